package io.sifkube.siflet.server;

import com.sun.net.httpserver.HttpServer;
import io.grpc.BindableService;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import io.grpc.protobuf.services.HealthStatusManager;
import io.sifkube.files.PrivateDirs;
import io.sifkube.node.v1.grpc.MutualTls;
import io.sifkube.siflet.SifletConfig;
import java.io.IOException;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * siflet's listeners: gRPC on a Unix socket (mode 0660, for local clients such as {@code sifctl
 * --siflet}) and, when configured, on TCP with mutual TLS (a client certificate signed by the
 * configured CA, for client authentication, and naming an allowed client: {@link AllowedClients};
 * the files are read again when they change: {@link MutualTls}); the gRPC health service on both;
 * Prometheus metrics over HTTP.
 */
public final class SifletServer implements AutoCloseable {

  private final List<Server> servers = new ArrayList<>();
  private final List<BindableService> services;
  private final List<EventLoopGroup> groups = new ArrayList<>();
  private final HealthStatusManager health = new HealthStatusManager();
  private HttpServer metricsServer;
  private int tcpPort = -1;
  private Path unixSocket;
  private int metricsPort = -1;

  /** Starts listening; {@code services} are served on every listener. */
  public SifletServer(
      SifletConfig config, List<BindableService> services, Metrics metrics, Consumer<String> log)
      throws IOException {
    this.services = services;
    try {
      startUnix(config.socket(), services);
      log.accept("serving on unix://" + config.socket());
      if (config.listen() != null) {
        String[] hp = SifletConfig.hostPort("listen", config.listen());
        NettyServerBuilder b =
            NettyServerBuilder.forAddress(new InetSocketAddress(hp[0], Integer.parseInt(hp[1])))
                .sslContext(
                    MutualTls.server(config.tlsCa(), config.tlsCert(), config.tlsKey(), log))
                .intercept(new AllowedClients(config.allowedClients(), log));
        Server s = add(b, services).build().start();
        servers.add(s);
        tcpPort = ((InetSocketAddress) s.getListenSockets().get(0)).getPort();
        log.accept("serving on " + hp[0] + ":" + tcpPort + " (mutual TLS)");
      }
      if (config.metricsListen() != null) {
        String[] hp = SifletConfig.hostPort("metrics-listen", config.metricsListen());
        metricsServer =
            HttpServer.create(new InetSocketAddress(hp[0], Integer.parseInt(hp[1])), 16);
        metricsServer.createContext(
            "/metrics",
            ex -> {
              byte[] body = metrics.render().getBytes(StandardCharsets.UTF_8);
              ex.getResponseHeaders().add("Content-Type", "text/plain; version=0.0.4");
              ex.sendResponseHeaders(200, body.length);
              try (OutputStream o = ex.getResponseBody()) {
                o.write(body);
              }
            });
        metricsServer.start();
        metricsPort = metricsServer.getAddress().getPort();
        log.accept("metrics on http://" + hp[0] + ":" + metricsPort + "/metrics");
      }
    } catch (IOException | RuntimeException e) {
      close();
      throw e;
    }
    health.setStatus("", io.grpc.health.v1.HealthCheckResponse.ServingStatus.SERVING);
  }

  /**
   * Binds the socket in a private (0700) directory beside its path, sets its mode to 0660 there and
   * only then renames it into place: bound directly, it would exist for a moment with the mode the
   * process umask leaves (0777 under umask 0), and any local user could connect in that moment.
   */
  private void startUnix(Path socket, List<BindableService> services) throws IOException {
    Files.createDirectories(socket.getParent());
    if (Files.exists(socket)) {
      try (SocketChannel c = SocketChannel.open(StandardProtocolFamily.UNIX)) {
        c.connect(UnixDomainSocketAddress.of(socket));
        throw new IOException(socket + " is in use by another process (another siflet?)");
      } catch (ConnectException stale) {
        Files.delete(socket); // left by a siflet that is gone
      }
    }
    EventLoopGroup boss = new EpollEventLoopGroup(1);
    EventLoopGroup workers = new EpollEventLoopGroup(2);
    groups.add(boss);
    groups.add(workers);
    Path privateDir = PrivateDirs.temporary(socket.getParent(), ".siflet-sock");
    try {
      Path bound = privateDir.resolve("s");
      NettyServerBuilder b =
          NettyServerBuilder.forAddress(new DomainSocketAddress(bound.toString()))
              .channelType(EpollServerDomainSocketChannel.class)
              .bossEventLoopGroup(boss)
              .workerEventLoopGroup(workers);
      servers.add(add(b, services).build().start());
      Files.setPosixFilePermissions(bound, PosixFilePermissions.fromString("rw-rw----"));
      Files.move(bound, socket, StandardCopyOption.ATOMIC_MOVE);
      unixSocket = socket;
    } finally {
      Files.deleteIfExists(privateDir.resolve("s"));
      Files.deleteIfExists(privateDir);
    }
  }

  private NettyServerBuilder add(NettyServerBuilder b, List<BindableService> services) {
    services.forEach(b::addService);
    b.addService(health.getHealthService());
    return b;
  }

  /** The TCP port actually bound (the configured one, or the one chosen for port 0); -1: none. */
  public int tcpPort() {
    return tcpPort;
  }

  public int metricsPort() {
    return metricsPort;
  }

  /** Stops serving: no new calls, event streams end now, other running calls get 5 s to finish. */
  @Override
  public void close() {
    health.enterTerminalState();
    for (Server s : servers) {
      s.shutdown();
    }
    for (BindableService s : services) {
      if (s instanceof EndlessCalls e) {
        e.endCalls();
      }
    }
    for (Server s : servers) {
      try {
        if (!s.awaitTermination(5, TimeUnit.SECONDS)) {
          s.shutdownNow();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        s.shutdownNow();
      }
    }
    if (metricsServer != null) {
      metricsServer.stop(0);
    }
    groups.forEach(EventLoopGroup::shutdownGracefully);
    if (unixSocket != null) {
      try {
        // Netty unlinks the path it bound, which the rename moved away
        Files.deleteIfExists(unixSocket);
      } catch (IOException e) {
        // a socket file left behind is replaced at the next start
      }
    }
  }
}
