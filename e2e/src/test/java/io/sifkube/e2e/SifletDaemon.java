package io.sifkube.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import io.sifkube.node.v1.grpc.ImageServiceApi;
import io.sifkube.node.v1.grpc.RuntimeServiceApi;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A real siflet process (bin/siflet) for tests, and clients on its Unix socket. */
final class SifletDaemon implements AutoCloseable {

  /** Netty warns that Unix sockets have no SO_KEEPALIVE, which gRPC sets everywhere. */
  private static final java.util.logging.Logger NETTY_BOOTSTRAP =
      java.util.logging.Logger.getLogger("io.grpc.netty.shaded.io.netty.bootstrap");

  static {
    NETTY_BOOTSTRAP.setLevel(java.util.logging.Level.SEVERE);
    // The same when netty logs through slf4j (slf4j-simple is on the class path for fabric8).
    System.setProperty(
        "org.slf4j.simpleLogger.log.io.grpc.netty.shaded.io.netty.bootstrap", "error");
  }

  final Path stateDir;
  final Path runDir;
  final Path socket;
  final Path log;
  private final List<String> extra;
  private Process process;
  private ManagedChannel channel;
  private EpollEventLoopGroup group;
  int tcpPort = -1;
  int metricsPort = -1;

  SifletDaemon(Path dir, String... extra) {
    this.stateDir = dir.resolve("state");
    this.runDir = dir.resolve("run");
    this.socket = dir.resolve("siflet.sock");
    this.log = dir.resolve("siflet.log");
    this.extra = List.of(extra);
  }

  /** Starts siflet, unless it runs, and waits until it is ready. */
  SifletDaemon start() throws Exception {
    if (process != null && process.isAlive()) {
      return this;
    }
    List<String> cmd =
        new ArrayList<>(
            List.of(
                Launcher.repoRoot().resolve("bin/siflet").toString(),
                "--state-dir",
                stateDir.toString(),
                "--run-dir",
                runDir.toString(),
                "--socket",
                socket.toString()));
    cmd.addAll(extra);
    Files.deleteIfExists(log);
    process =
        new ProcessBuilder(cmd)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.to(log.toFile()))
            .start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (!logText().contains("siflet: ready")) {
      assertThat(process.isAlive()).as("siflet is running; its log:\n%s", logText()).isTrue();
      assertThat(System.nanoTime()).as("siflet ready in 60 s").isLessThan(deadline);
      Thread.sleep(50);
    }
    tcpPort = port("serving on [^ ]+:(\\d+) \\(mutual TLS\\)");
    metricsPort = port("metrics on http://[^:]+:(\\d+)/metrics");
    return this;
  }

  private int port(String regex) throws IOException {
    Matcher m = Pattern.compile(regex).matcher(logText());
    return m.find() ? Integer.parseInt(m.group(1)) : -1;
  }

  String logText() throws IOException {
    return Files.exists(log) ? Files.readString(log) : "";
  }

  long pid() {
    return process.pid();
  }

  /** SIGKILL: siflet gets no chance to clean anything. */
  void kill9() throws Exception {
    closeChannel();
    process.destroyForcibly().waitFor();
  }

  /** SIGTERM; returns siflet's exit status. */
  int term() throws Exception {
    closeChannel();
    process.destroy();
    assertThat(process.waitFor(30, TimeUnit.SECONDS)).as("siflet stops on SIGTERM").isTrue();
    return process.exitValue();
  }

  private ManagedChannel channel() {
    if (channel == null) {
      group = new EpollEventLoopGroup(1);
      channel = newChannel(group);
    }
    return channel;
  }

  /** A channel of the caller's own to the Unix socket, which {@link #term} leaves open. */
  ManagedChannel newChannel(EpollEventLoopGroup loop) {
    return NettyChannelBuilder.forAddress(new DomainSocketAddress(socket.toString()))
        .channelType(EpollDomainSocketChannel.class)
        .eventLoopGroup(loop)
        .usePlaintext()
        .build();
  }

  /** The Unix-socket channel, for other services (health). */
  ManagedChannel channelForTests() {
    return channel();
  }

  RuntimeServiceApi.Client runtime() {
    return new RuntimeServiceApi.Client(channel()).withDeadline(120, TimeUnit.SECONDS);
  }

  ImageServiceApi.Client images() {
    return new ImageServiceApi.Client(channel()).withDeadline(300, TimeUnit.SECONDS);
  }

  private void closeChannel() {
    if (channel != null) {
      channel.shutdownNow();
      group.shutdownGracefully();
      channel = null;
    }
  }

  @Override
  public void close() throws Exception {
    closeChannel();
    if (process != null && process.isAlive()) {
      process.destroy();
      process.waitFor(30, TimeUnit.SECONDS);
    }
  }
}
