package io.sifkube.operator.nodes;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.sifkube.node.v1.AuthConfig;
import io.sifkube.node.v1.Image;
import io.sifkube.node.v1.PullImageEvent;
import io.sifkube.node.v1.PullImageRequest;
import io.sifkube.node.v1.PullProgress;
import io.sifkube.node.v1.grpc.ImageServiceApi;
import io.sifkube.node.v1.grpc.MutualTls;
import io.sifkube.node.v1.grpc.RuntimeServiceApi;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * gRPC connections to the siflets, one per address, over mutual TLS: the operator presents its
 * certificate and trusts only siflets whose certificate the configured CA signed.
 */
public final class SifletClients implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(SifletClients.class);

  private final Function<String, ManagedChannel> dial;
  private final Map<String, ManagedChannel> channels = new ConcurrentHashMap<>();

  /**
   * @param ca the CA that signed the siflets' (and our) certificates
   * @param cert our client certificate
   * @param key its PKCS#8 key
   * @param serverName the name every siflet's certificate carries, or null to check each
   *     certificate against the address dialled
   */
  public SifletClients(Path ca, Path cert, Path key, String serverName) throws IOException {
    // Read again when the files change (cert-manager rotating the Secret): see MutualTls.
    this(mutualTls(MutualTls.client(ca, cert, key, m -> LOG.info(m)), serverName));
  }

  /** Connections that {@code dial} opens, one per address (tests dial in-process servers). */
  public SifletClients(Function<String, ManagedChannel> dial) {
    this.dial = dial;
  }

  private static Function<String, ManagedChannel> mutualTls(SslContext ssl, String serverName) {
    return a -> {
      int colon = a.lastIndexOf(':');
      NettyChannelBuilder b =
          NettyChannelBuilder.forAddress(
                  a.substring(0, colon), Integer.parseInt(a.substring(colon + 1)))
              .sslContext(ssl);
      // One certificate for a DaemonSet's every node: TLS checks the name it carries
      // instead of each node's address (still only certificates the CA signed pass).
      return serverName == null ? b.build() : b.overrideAuthority(serverName).build();
    };
  }

  private ManagedChannel channel(String address) {
    return channels.computeIfAbsent(address, dial);
  }

  /** The runtime service of the siflet at {@code address}, calls bounded by {@code seconds}. */
  public RuntimeServiceApi.Client runtime(String address, long seconds) {
    return new RuntimeServiceApi.Client(channel(address)).withDeadline(seconds, TimeUnit.SECONDS);
  }

  /** The runtime service of the siflet at {@code address} for streams that last: no deadline. */
  public RuntimeServiceApi.Client runtime(String address) {
    return new RuntimeServiceApi.Client(channel(address));
  }

  /** The image service of the siflet at {@code address}, calls bounded by {@code seconds}. */
  public ImageServiceApi.Client images(String address, long seconds) {
    return new ImageServiceApi.Client(channel(address)).withDeadline(seconds, TimeUnit.SECONDS);
  }

  /**
   * Pulls {@code source} on the siflet at {@code address} (cached there by digest), following its
   * progress stream to the end; returns the image it reports.
   */
  public Image pull(String address, String source, AuthConfig auth) {
    return pull(address, source, auth, p -> {});
  }

  /**
   * As {@link #pull(String, String, AuthConfig)}, handing each progress event to {@code progress}.
   */
  public Image pull(
      String address, String source, AuthConfig auth, Consumer<PullProgress> progress) {
    return pull(address, source, auth, null, progress);
  }

  /** As above; with {@code verify}, siflet checks the image's signatures with those keys. */
  public Image pull(
      String address,
      String source,
      AuthConfig auth,
      io.sifkube.node.v1.SignaturePolicy verify,
      Consumer<PullProgress> progress) {
    PullImageRequest.Builder req = PullImageRequest.newBuilder().setSource(source).setAuth(auth);
    if (verify != null) {
      req.setVerify(verify);
    }
    Iterator<PullImageEvent> events = images(address, 1800).pullImage(req.build());
    Image img = null;
    while (events.hasNext()) {
      PullImageEvent e = events.next();
      if (e.hasImage()) {
        img = e.getImage();
      } else if (e.hasProgress()) {
        progress.accept(e.getProgress());
      }
    }
    if (img == null) {
      throw new IllegalStateException("siflet at " + address + " ended the pull without an image");
    }
    return img;
  }

  @Override
  public void close() {
    channels.values().forEach(ManagedChannel::shutdownNow);
  }
}
