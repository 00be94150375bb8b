package io.sifkube.siflet.api;

import com.fasterxml.jackson.databind.JsonNode;
import io.grpc.stub.StreamObserver;
import io.sifkube.image.ImageException;
import io.sifkube.image.oci.Digest;
import io.sifkube.image.pull.PullListener;
import io.sifkube.image.ref.ImageReference;
import io.sifkube.image.registry.Credentials;
import io.sifkube.image.registry.DockerConfig;
import io.sifkube.node.v1.AuthConfig;
import io.sifkube.node.v1.Image;
import io.sifkube.node.v1.ImageConfigSummary;
import io.sifkube.node.v1.ImageFsInfoRequest;
import io.sifkube.node.v1.ImageFsInfoResponse;
import io.sifkube.node.v1.ImageStatusRequest;
import io.sifkube.node.v1.ImageStatusResponse;
import io.sifkube.node.v1.ListImagesRequest;
import io.sifkube.node.v1.ListImagesResponse;
import io.sifkube.node.v1.PullImageEvent;
import io.sifkube.node.v1.PullImageRequest;
import io.sifkube.node.v1.PullProgress;
import io.sifkube.node.v1.RemoveImageRequest;
import io.sifkube.node.v1.RemoveImageResponse;
import io.sifkube.node.v1.Verification;
import io.sifkube.node.v1.grpc.ImageServiceApi;
import io.sifkube.siflet.SifletException;
import io.sifkube.siflet.containers.Containers;
import io.sifkube.siflet.images.ImageStore;
import io.sifkube.siflet.server.Metrics;
import java.io.IOException;
import java.util.function.Consumer;

/** The ImageService of image.proto, over {@link ImageStore}. */
public final class ImageApi extends ImageServiceApi.Service {

  private final ImageStore images;
  private final Containers containers;
  private final Metrics metrics;
  private final Consumer<String> log;

  public ImageApi(ImageStore images, Containers containers, Metrics metrics, Consumer<String> log) {
    this.images = images;
    this.containers = containers;
    this.metrics = metrics;
    this.log = log;
  }

  @Override
  public void pullImage(PullImageRequest req, StreamObserver<PullImageEvent> out) {
    long t0 = System.nanoTime();
    try {
      if (req.getSource().isEmpty()) {
        throw SifletException.invalid("source: required");
      }
      Credentials creds = credentials(req.getSource(), req.getAuth());
      PullListener listener = new Progress(out);
      // The check is of the file this pull fetched (a SIF file source) before it is cached, or
      // of the cached OCI-SIF made from the source (which then carries no SIF signature).
      Verification[] checked = new Verification[1];
      ImageStore.Image img =
          images.pull(
              req.getSource(),
              creds,
              req.getPlatform(),
              req.getInsecure(),
              listener,
              f -> {
                if (req.hasVerify()) {
                  checked[0] = ImageVerification.check(f, req.getVerify());
                }
              });
      metrics.pulled(img.size(), System.nanoTime() - t0);
      Image.Builder result = toProto(img).toBuilder();
      if (req.hasVerify()) {
        result.setVerification(
            checked[0] != null ? checked[0] : ImageVerification.check(img.file(), req.getVerify()));
      }
      out.onNext(PullImageEvent.newBuilder().setImage(result).build());
      out.onCompleted();
    } catch (Exception e) {
      metrics.pullFailed();
      out.onError(Statuses.toStatus(e, log));
    }
  }

  /**
   * Credentials bound to the image's own registry host: a client cannot make siflet send them
   * anywhere else.
   */
  static Credentials credentials(String source, AuthConfig auth) throws IOException {
    boolean login = !auth.getUsername().isEmpty() || !auth.getPassword().isEmpty();
    if (!login && auth.getDockerConfig().isEmpty()) {
      return Credentials.none();
    }
    if (login && !auth.getDockerConfig().isEmpty()) {
      throw SifletException.invalid("auth: docker_config or username/password, not both");
    }
    if (!source.startsWith("docker://") && !source.startsWith("oras://")) {
      throw SifletException.invalid(
          "auth: credentials only apply to docker:// and oras:// sources");
    }
    String host;
    try {
      host = ImageReference.parse(source.substring(source.indexOf("://") + 3)).registry();
    } catch (IllegalArgumentException e) {
      throw SifletException.invalid("source: " + e.getMessage());
    }
    if (!auth.getServer().isEmpty() && !auth.getServer().equals(host)) {
      throw SifletException.invalid(
          "auth.server: "
              + auth.getServer()
              + " is not the image's registry "
              + host
              + "; credentials are only sent to it");
    }
    if (!login) {
      DockerConfig config;
      try {
        config = DockerConfig.parse(auth.getDockerConfig().toByteArray(), "auth.docker_config");
      } catch (ImageException e) {
        throw SifletException.invalid(e.getMessage());
      }
      Credentials.Login found;
      try {
        found =
            config
                .loginFor(host, DockerConfig.NO_HELPERS)
                .orElseThrow(
                    () ->
                        SifletException.invalid(
                            "auth.docker_config: no credentials for "
                                + host
                                + " (it has "
                                + (config.hosts().isEmpty()
                                    ? "none"
                                    : String.join(", ", config.hosts()))
                                + ")"));
      } catch (ImageException e) {
        throw SifletException.invalid(e.getMessage());
      }
      return Credentials.of(host, found);
    }
    return Credentials.of(host, new Credentials.Login(auth.getUsername(), auth.getPassword()));
  }

  @Override
  public void imageStatus(ImageStatusRequest req, StreamObserver<ImageStatusResponse> out) {
    Statuses.answer(
        out,
        log,
        () ->
            ImageStatusResponse.newBuilder()
                .setImage(
                    toProto(
                        images
                            .status(req.getImage())
                            .orElseThrow(
                                () ->
                                    SifletException.notFound(
                                        "image: " + req.getImage() + " is not on this node"))))
                .build());
  }

  @Override
  public void listImages(ListImagesRequest req, StreamObserver<ListImagesResponse> out) {
    Statuses.answer(
        out,
        log,
        () -> {
          ListImagesResponse.Builder b = ListImagesResponse.newBuilder();
          for (ImageStore.Image i : images.list()) {
            b.addImages(toProto(i));
          }
          return b.build();
        });
  }

  @Override
  public void removeImage(RemoveImageRequest req, StreamObserver<RemoveImageResponse> out) {
    Statuses.answer(
        out,
        log,
        () -> {
          if (req.getImage().isEmpty()) {
            throw SifletException.invalid("image: required");
          }
          images.remove(req.getImage());
          return RemoveImageResponse.getDefaultInstance();
        });
  }

  @Override
  public void imageFsInfo(ImageFsInfoRequest req, StreamObserver<ImageFsInfoResponse> out) {
    Statuses.answer(
        out,
        log,
        () -> {
          long[] u = images.usage();
          return ImageFsInfoResponse.newBuilder()
              .setPath(images.cacheRoot().toString())
              .setUsedBytes(u[0])
              .setInodesUsed(u[1])
              .setBudgetBytes(images.budgetBytes())
              .build();
        });
  }

  Image toProto(ImageStore.Image i) {
    JsonNode c = i.config().path("config");
    ImageConfigSummary.Builder s = ImageConfigSummary.newBuilder();
    c.path("Entrypoint").forEach(n -> s.addEntrypoint(n.asText()));
    c.path("Cmd").forEach(n -> s.addCmd(n.asText()));
    c.path("Env").forEach(n -> s.addEnv(n.asText()));
    s.setUser(c.path("User").asText("")).setWorkingDir(c.path("WorkingDir").asText(""));
    return Image.newBuilder()
        .setManifestDigest(i.manifest().toString())
        .setPath(i.file().toString())
        .setSize(i.size())
        .setConfig(s)
        .addAllSources(i.sources())
        .setInUse(containers.uses(i.manifest().toString()))
        .setLastUsedUnixMs(i.lastUsedMillis())
        .build();
  }

  /** Passes pull progress on, at most every 250 ms per blob. */
  private static final class Progress implements PullListener {
    private final StreamObserver<PullImageEvent> out;
    private long lastSent;

    Progress(StreamObserver<PullImageEvent> out) {
      this.out = out;
    }

    private synchronized void send(PullProgress p) {
      out.onNext(PullImageEvent.newBuilder().setProgress(p).build());
    }

    @Override
    public void info(String message) {
      send(PullProgress.newBuilder().setMessage(message).build());
    }

    @Override
    public void blobStarted(Digest digest, long size) {
      send(PullProgress.newBuilder().setBlobDigest(digest.toString()).setBytesTotal(size).build());
    }

    @Override
    public synchronized void blobProgress(Digest digest, long bytes) {
      long now = System.nanoTime();
      if (now - lastSent > 250_000_000L) {
        lastSent = now;
        send(
            PullProgress.newBuilder().setBlobDigest(digest.toString()).setBytesDone(bytes).build());
      }
    }
  }
}
