package io.sifkube.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollEventLoopGroup;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import io.grpc.stub.StreamObserver;
import io.sifkube.node.v1.ContainerConfig;
import io.sifkube.node.v1.ContainerEvent;
import io.sifkube.node.v1.ContainerLogsRequest;
import io.sifkube.node.v1.ContainerState;
import io.sifkube.node.v1.ContainerStatus;
import io.sifkube.node.v1.ContainerStatusRequest;
import io.sifkube.node.v1.CreateContainerRequest;
import io.sifkube.node.v1.ExecSyncRequest;
import io.sifkube.node.v1.ExecSyncResponse;
import io.sifkube.node.v1.GetContainerEventsRequest;
import io.sifkube.node.v1.Image;
import io.sifkube.node.v1.ImageFsInfoRequest;
import io.sifkube.node.v1.ImageStatusRequest;
import io.sifkube.node.v1.ListContainersRequest;
import io.sifkube.node.v1.ListImagesRequest;
import io.sifkube.node.v1.LogEntry;
import io.sifkube.node.v1.LogStream;
import io.sifkube.node.v1.NodeInfoRequest;
import io.sifkube.node.v1.PullImageEvent;
import io.sifkube.node.v1.PullImageRequest;
import io.sifkube.node.v1.RemoveContainerRequest;
import io.sifkube.node.v1.RemoveImageRequest;
import io.sifkube.node.v1.SeccompProfile;
import io.sifkube.node.v1.StartContainerRequest;
import io.sifkube.node.v1.StopContainerRequest;
import io.sifkube.node.v1.VersionRequest;
import io.sifkube.node.v1.grpc.RuntimeServiceApi;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real siflet daemon (bin/siflet) with real conmon and crun, images pulled from Debian's
 * docker-registry: the container lifecycle over gRPC, restarts and kills of siflet, many containers
 * at once, the CLI, and mutual TLS.
 */
class SifletIT {

  @TempDir static Path dir;
  private static RegistryHarness registry;
  private static SifletDaemon siflet;
  private static String source;
  private static String digest;

  @BeforeAll
  static void setUp() throws Exception {
    assertThat(Launcher.isRoot()).as("siflet runs containers as root").isTrue();
    Launcher.letCrunRun();
    registry = RegistryHarness.start(Files.createDirectories(dir.resolve("registry")));
    registry.push(RunIT.busyboxLayout(dir.resolve("image")), "v1", "tools/busybox:1");
    source = "docker://" + registry.host() + "/tools/busybox:1";
    siflet =
        new SifletDaemon(
                Files.createDirectories(dir.resolve("main")), "--metrics-listen", "127.0.0.1:0")
            .start();
    digest = pull(siflet, source);
  }

  /** A process that ends with 143 on SIGTERM (a PID 1 without a handler would ignore it). */
  static final String SLEEPER = "trap 'exit 143' TERM; sleep 600 & wait";

  @AfterAll
  static void tearDown() throws Exception {
    if (siflet != null) {
      removeAll(siflet);
      siflet.close();
    }
    if (registry != null) {
      registry.close();
    }
  }

  /** Pulls over gRPC; returns the manifest digest of the last event, checking the stream. */
  static String pull(SifletDaemon d, String src) {
    List<PullImageEvent> events = new ArrayList<>();
    d.images()
        .pullImage(PullImageRequest.newBuilder().setSource(src).setInsecure(true).build())
        .forEachRemaining(events::add);
    assertThat(events).isNotEmpty();
    assertThat(events.subList(0, events.size() - 1)).allMatch(PullImageEvent::hasProgress);
    Image img = events.get(events.size() - 1).getImage();
    assertThat(img.getManifestDigest()).startsWith("sha256:");
    assertThat(Path.of(img.getPath())).isRegularFile();
    return img.getManifestDigest();
  }

  static CreateContainerRequest.Builder container(String id, String image, String script) {
    return CreateContainerRequest.newBuilder()
        .setId(id)
        .setConfig(ContainerConfig.newBuilder().setImage(image).addArgs(script));
  }

  static ContainerStatus status(RuntimeServiceApi.Client rt, String id) {
    return rt.containerStatus(ContainerStatusRequest.newBuilder().setId(id).build()).getStatus();
  }

  static ContainerStatus awaitExit(RuntimeServiceApi.Client rt, String id) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (true) {
      ContainerStatus s = status(rt, id);
      if (s.getState() == ContainerState.CONTAINER_EXITED) {
        return s;
      }
      assertThat(System.nanoTime()).as("%s exits", id).isLessThan(deadline);
      Thread.sleep(50);
    }
  }

  static void start(RuntimeServiceApi.Client rt, String id) {
    rt.startContainer(StartContainerRequest.newBuilder().setId(id).build());
  }

  /** Removes every container of {@code d} (siflet leaves them running when it stops). */
  static void removeAll(SifletDaemon d) {
    RuntimeServiceApi.Client rt = d.runtime();
    for (ContainerStatus c :
        rt.listContainers(ListContainersRequest.getDefaultInstance()).getContainersList()) {
      rt.removeContainer(RemoveContainerRequest.newBuilder().setId(c.getId()).build());
    }
  }

  /**
   * Nothing of the daemon's containers is left: mounts, loop devices, monitors, bundles. The
   * images' shared layer mounts may stay (ready for the next container), one loop device each.
   */
  static void assertNothingLeft(SifletDaemon d) throws Exception {
    List<String> mounts = ourMounts(d);
    assertThat(mounts)
        .as("only shared layers")
        .allMatch(l -> l.contains(" " + d.runDir.resolve("layers") + "/"))
        .allMatch(l -> l.contains(" - squashfs "));
    assertThat(Launcher.exec(List.of("losetup", "-a")).ok().out().lines())
        .filteredOn(l -> l.contains(d.stateDir + "/"))
        .hasSize(mounts.size());
    assertThat(Launcher.exec(List.of("pgrep", "-f", "conmon.*" + d.runDir)).out()).isEmpty();
    for (Path p :
        List.of(
            d.runDir.resolve("bundles"),
            d.runDir.resolve("containers"),
            d.stateDir.resolve("records"),
            d.stateDir.resolve("logs"))) {
      if (Files.isDirectory(p)) {
        try (var s = Files.list(p)) {
          assertThat(s).as(p.toString()).isEmpty();
        }
      }
    }
  }

  /** The lines of mountinfo naming something under the daemon's state or run directory. */
  static List<String> ourMounts(SifletDaemon d) throws IOException {
    return Files.readAllLines(Path.of("/proc/self/mountinfo")).stream()
        .filter(l -> l.contains(d.stateDir + "/") || l.contains(d.runDir + "/"))
        .toList();
  }

  /** How many squashfs layers of the daemon are mounted. */
  static long layerMounts(SifletDaemon d) throws IOException {
    return ourMounts(d).stream().filter(l -> l.contains(" - squashfs ")).count();
  }

  @Test
  void containersOfAnImageShareOneLayerMountWhichGoesWithTheImage() throws Exception {
    try (SifletDaemon s =
        new SifletDaemon(Files.createDirectories(dir.resolve("shared"))).start()) {
      String img = pull(s, source);
      RuntimeServiceApi.Client rt = s.runtime();
      for (String id : List.of("rank-0", "rank-1", "rank-2")) {
        rt.createContainer(container(id, img, SLEEPER).build());
        start(rt, id);
      }
      assertThat(layerMounts(s)).as("three containers, one layer mount").isEqualTo(1);
      assertThat(ourMounts(s)).filteredOn(l -> l.contains(" - overlay ")).hasSize(3);

      // A restart adopts the mount: a new container uses it, no second one is made.
      s.kill9();
      s.start();
      rt = s.runtime();
      rt.createContainer(container("rank-3", img, "exit 0").build());
      start(rt, "rank-3");
      assertThat(awaitExit(rt, "rank-3").getExitCode()).isZero();
      assertThat(layerMounts(s)).isEqualTo(1);

      removeAll(s);
      assertThat(layerMounts(s)).as("kept for the next container of the image").isEqualTo(1);
      s.images().removeImage(RemoveImageRequest.newBuilder().setImage(img).build());
      assertThat(ourMounts(s)).isEmpty();
      assertThat(Launcher.exec(List.of("losetup", "-a")).ok().out())
          .doesNotContain(s.stateDir + "/")
          .doesNotContain(s.runDir + "/");
      assertNothingLeft(s);
    }
  }

  @Test
  void pullCreateStartLogsExitAndRemove() throws Exception {
    RuntimeServiceApi.Client rt = siflet.runtime();
    assertThat(pull(siflet, source)).as("a second pull finds the same image").isEqualTo(digest);
    Image img =
        siflet
            .images()
            .imageStatus(ImageStatusRequest.newBuilder().setImage(source).build())
            .getImage();
    assertThat(img.getManifestDigest()).isEqualTo(digest);
    assertThat(img.getConfig().getUser()).isEqualTo("app");
    assertThat(img.getConfig().getEntrypointList()).containsExactly("/bin/sh", "-c");
    assertThat(img.getSourcesList()).containsExactly(source);

    rt.createContainer(
        container("lifecycle", digest, "echo out; echo err >&2; id -u; exit 3")
            .putLabels("suite", "siflet-it")
            .build());
    assertThat(status(rt, "lifecycle").getState()).isEqualTo(ContainerState.CONTAINER_CREATED);
    assertThat(
            siflet
                .images()
                .listImages(ListImagesRequest.getDefaultInstance())
                .getImages(0)
                .getInUse())
        .isTrue();
    assertThatThrownBy(
            () ->
                siflet
                    .images()
                    .removeImage(RemoveImageRequest.newBuilder().setImage(digest).build()))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION));
    start(rt, "lifecycle");
    ContainerStatus s = awaitExit(rt, "lifecycle");
    assertThat(s.getExitCode()).isEqualTo(3);
    assertThat(s.getReason()).isEqualTo("Error");
    assertThat(s.getLabelsMap()).containsEntry("suite", "siflet-it");
    assertThat(s.hasStartedAt() && s.hasFinishedAt()).isTrue();

    List<String> lines = new ArrayList<>();
    rt.containerLogs(ContainerLogsRequest.newBuilder().setId("lifecycle").build())
        .forEachRemaining(
            (LogEntry e) ->
                lines.add(
                    (e.getStream() == LogStream.STDERR ? "E " : "O ")
                        + e.getLine().toStringUtf8()));
    assertThat(lines).containsExactlyInAnyOrder("O out", "E err", "O 1234");

    rt.removeContainer(RemoveContainerRequest.newBuilder().setId("lifecycle").build());
    assertThat(
            rt.listContainers(
                    ListContainersRequest.newBuilder()
                        .putLabelSelector("suite", "siflet-it")
                        .build())
                .getContainersCount())
        .isZero();
    assertThat(siflet.images().imageFsInfo(ImageFsInfoRequest.getDefaultInstance()).getUsedBytes())
        .isGreaterThan(img.getSize() - 1);
    assertThat(rt.version(VersionRequest.getDefaultInstance()).getRuntimeVersion())
        .startsWith("crun version");
    assertThat(rt.nodeInfo(NodeInfoRequest.getDefaultInstance()).getCpus()).isPositive();
    String metrics;
    try (InputStream in =
        URI.create("http://127.0.0.1:" + siflet.metricsPort + "/metrics").toURL().openStream()) {
      metrics = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    assertThat(metrics)
        .contains("sifkube_siflet_pulls_total{result=\"ok\"} 2")
        .contains("sifkube_siflet_container_start_duration_seconds_count ");
    assertNothingLeft(siflet);
  }

  /** Logs are bytes: binary output comes back as written, and a tail is the last lines. */
  @Test
  void binaryOutputAndTheTailOfTheLog() throws Exception {
    RuntimeServiceApi.Client rt = siflet.runtime();
    rt.createContainer(
        container("binlog", digest, "busybox printf 'a\\377\\376\\000b\\303(\\n'; seq 1 3000")
            .build());
    start(rt, "binlog");
    awaitExit(rt, "binlog");
    // Records joined into lines: conmon writes a line split across reads as partial records.
    List<byte[]> all = new ArrayList<>();
    List<LogEntry> records = new ArrayList<>();
    java.io.ByteArrayOutputStream line = new java.io.ByteArrayOutputStream();
    rt.containerLogs(ContainerLogsRequest.newBuilder().setId("binlog").build())
        .forEachRemaining(
            e -> {
              records.add(e);
              line.writeBytes(e.getLine().toByteArray());
              if (!e.getPartial()) {
                all.add(line.toByteArray());
                line.reset();
              }
            });
    assertThat(all).hasSize(3001);
    assertThat(all.get(0))
        .isEqualTo(new byte[] {'a', (byte) 0xff, (byte) 0xfe, 0, 'b', (byte) 0xc3, '('});
    assertThat(new String(all.get(3000), StandardCharsets.UTF_8)).isEqualTo("3000");
    List<LogEntry> tail = new ArrayList<>();
    rt.containerLogs(ContainerLogsRequest.newBuilder().setId("binlog").setTailLines(2).build())
        .forEachRemaining(tail::add);
    assertThat(tail).isEqualTo(records.subList(records.size() - 2, records.size()));
    // follow on an exited container: the tail, then the end, nothing replayed
    List<LogEntry> followed = new ArrayList<>();
    rt.containerLogs(
            ContainerLogsRequest.newBuilder()
                .setId("binlog")
                .setTailLines(1)
                .setFollow(true)
                .build())
        .forEachRemaining(followed::add);
    assertThat(followed).isEqualTo(records.subList(records.size() - 1, records.size()));
    rt.removeContainer(RemoveContainerRequest.newBuilder().setId("binlog").build());
  }

  @Test
  void oomKilledAndHealthAndTheSocketMode() throws Exception {
    RuntimeServiceApi.Client rt = siflet.runtime();
    rt.createContainer(
        CreateContainerRequest.newBuilder()
            .setId("oom")
            .setConfig(
                ContainerConfig.newBuilder()
                    .setImage(digest)
                    .setUser("root")
                    .addArgs("x=$(head -c 200000000 /dev/zero | tr '\\0' a); echo survived")
                    .setResources(
                        io.sifkube.node.v1.Resources.newBuilder().setMemoryBytes(32L << 20)))
            .build());
    start(rt, "oom");
    ContainerStatus s = awaitExit(rt, "oom");
    assertThat(s.getReason()).as("exit %d", s.getExitCode()).isEqualTo("OOMKilled");
    rt.removeContainer(RemoveContainerRequest.newBuilder().setId("oom").build());

    assertThat(
            Files.getPosixFilePermissions(siflet.socket).stream()
                .map(Object::toString)
                .sorted()
                .toList())
        .containsExactly("GROUP_READ", "GROUP_WRITE", "OWNER_READ", "OWNER_WRITE");
    io.grpc.health.v1.HealthCheckResponse health =
        io.grpc.health.v1.HealthGrpc.newBlockingStub(siflet.channelForTests())
            .check(io.grpc.health.v1.HealthCheckRequest.getDefaultInstance());
    assertThat(health.getStatus())
        .isEqualTo(io.grpc.health.v1.HealthCheckResponse.ServingStatus.SERVING);
    assertNothingLeft(siflet);
  }

  @Test
  void execSyncRunsInARunningContainer() throws Exception {
    RuntimeServiceApi.Client rt = siflet.runtime();
    rt.createContainer(container("exec", digest, SLEEPER).build());
    start(rt, "exec");
    ExecSyncResponse r =
        rt.execSync(
            ExecSyncRequest.newBuilder()
                .setId("exec")
                .addCommand("/bin/sh")
                .addCommand("-c")
                .addCommand("echo $((6*7)); exit 4")
                .setTimeoutSeconds(30)
                .build());
    assertThat(r.getStdout().toStringUtf8()).isEqualTo("42\n");
    assertThat(r.getExitCode()).isEqualTo(4);
    // siflet's containers run under the default seccomp filter (docs/run.md), PID 1 as well
    ExecSyncResponse filter =
        rt.execSync(
            ExecSyncRequest.newBuilder()
                .setId("exec")
                .addCommand("grep")
                .addCommand("Seccomp:")
                .addCommand("/proc/1/status")
                .setTimeoutSeconds(30)
                .build());
    assertThat(filter.getStdout().toStringUtf8()).isEqualTo("Seccomp:\t2\n");
    rt.stopContainer(StopContainerRequest.newBuilder().setId("exec").setTimeoutSeconds(2).build());
    assertThat(status(rt, "exec").getExitCode()).isEqualTo(128 + 15);
    rt.removeContainer(RemoveContainerRequest.newBuilder().setId("exec").build());
    assertNothingLeft(siflet);
  }

  @Test
  void seccompProfilesOfARunAreTheDefaultUnconfinedOrALocalhostFileUnderTheRoot() throws Exception {
    RuntimeServiceApi.Client rt = siflet.runtime();
    Path root = Files.createDirectories(siflet.stateDir.resolve("seccomp/team"));
    Files.writeString(
        root.resolve("no-mkdir.json"),
        "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"mkdir\","
            + "\"mkdirat\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":1}]}");
    record Case(String id, SeccompProfile.Builder profile, String script, int exit) {}
    List<Case> cases =
        List.of(
            new Case(
                "sc-default",
                SeccompProfile.newBuilder(),
                "grep -q 'Seccomp:.2' /proc/self/status && busybox mkdir /tmp/d",
                0),
            new Case(
                "sc-unconfined",
                SeccompProfile.newBuilder().setType(SeccompProfile.Type.UNCONFINED),
                "grep -q 'Seccomp:.0' /proc/self/status",
                0),
            new Case(
                "sc-local",
                SeccompProfile.newBuilder()
                    .setType(SeccompProfile.Type.LOCALHOST)
                    .setLocalhostProfile("team/no-mkdir.json"),
                "touch /tmp/f && busybox mkdir /tmp/d; exit $(( $? + 40 ))",
                41));
    for (Case c : cases) {
      CreateContainerRequest.Builder req = container(c.id(), digest, c.script());
      req.getConfigBuilder().setSeccomp(c.profile());
      rt.createContainer(req.build());
      start(rt, c.id());
      assertThat(awaitExit(rt, c.id()).getExitCode()).as(c.id()).isEqualTo(c.exit());
      rt.removeContainer(RemoveContainerRequest.newBuilder().setId(c.id()).build());
    }
    CreateContainerRequest.Builder escape = container("sc-escape", digest, "true");
    escape
        .getConfigBuilder()
        .setSeccomp(
            SeccompProfile.newBuilder()
                .setType(SeccompProfile.Type.LOCALHOST)
                .setLocalhostProfile("../records/x.json"));
    assertThatThrownBy(() -> rt.createContainer(escape.build()))
        .hasMessageContaining("INVALID_ARGUMENT")
        .hasMessageContaining("escapes the seccomp profile root");
    assertNothingLeft(siflet);
  }

  @Test
  void theCliTalksToTheDaemon() throws Exception {
    String sock = siflet.socket.toString();
    String id =
        Launcher.sifctl("--siflet", sock, "run", "-d", source, "echo from-cli; exit 5")
            .ok()
            .out()
            .strip();
    assertThat(id).startsWith("sifctl-");
    awaitExit(siflet.runtime(), id);
    String ps = Launcher.sifctl("--siflet", sock, "ps", "-a").ok().out();
    assertThat(ps.lines().filter(l -> l.startsWith(id)).findFirst().orElseThrow())
        .contains("exited")
        .contains(" 5 ");
    assertThat(Launcher.sifctl("--siflet", sock, "logs", id).ok().out()).isEqualTo("from-cli\n");
    assertThat(Launcher.sifctl("--siflet", sock, "images").ok().out()).contains(source);
    Launcher.sifctl("--siflet", sock, "stop", id).ok();
    Launcher.sifctl("--siflet", sock, "rm", id).ok();
    Launcher.Result gone = Launcher.sifctl("--siflet", sock, "logs", id);
    assertThat(gone.status()).isNotZero();
    assertThat(gone.err()).contains("NOT_FOUND: no container " + id);
    assertNothingLeft(siflet);
  }

  /**
   * siflet's JVM leaves everything but the JDK's digest code to C1 (bin/siflet's compiler
   * directives, docs/siflet.md): after a pull and a hundred container cycles, every method C2 has
   * compiled is digest code. Without the directives C2 has compiled dozens of others by then.
   */
  @Test
  void c2CompilesOnlyTheDigestCode() throws Exception {
    RuntimeServiceApi.Client rt = siflet.runtime();
    for (int i = 0; i < 100; i++) {
      String id = "jit-" + i;
      rt.createContainer(container(id, digest, "true").build());
      start(rt, id);
      assertThat(awaitExit(rt, id).getExitCode()).isZero();
      rt.removeContainer(RemoveContainerRequest.newBuilder().setId(id).build());
    }
    // the jcmd of the JDK siflet runs on (bin/siflet takes java from PATH)
    Path jcmd =
        Path.of("/proc", Long.toString(siflet.pid()), "exe").toRealPath().resolveSibling("jcmd");
    String codes =
        Launcher.exec(List.of(jcmd.toString(), Long.toString(siflet.pid()), "Compiler.codelist"))
            .ok()
            .out();
    // "<compile id> <level> <state> <method> [<code ranges>]"
    List<String[]> compiled =
        codes.lines().map(l -> l.split(" ")).filter(f -> f.length > 3).toList();
    assertThat(compiled)
        .as("C1 code in the code list (its columns read as expected)")
        .anyMatch(f -> f[1].equals("1") && f[3].startsWith("io.sifkube."));
    List<String> c2 = compiled.stream().filter(f -> f[1].equals("4")).map(f -> f[3]).toList();
    assertThat(c2).as("what C2 compiled").allMatch(m -> m.startsWith("sun.security.provider."));
    assertThat(Files.readString(siflet.log)).contains("compiler directives added");
  }

  @Test
  void fiftyConcurrentContainersLeaveNothingBehind() throws Exception {
    RuntimeServiceApi.Client rt = siflet.runtime();
    ExecutorService pool = Executors.newFixedThreadPool(10);
    List<Future<Integer>> runs = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      String id = "many-" + i;
      runs.add(
          pool.submit(
              () -> {
                rt.createContainer(container(id, digest, SLEEPER).build());
                start(rt, id);
                rt.stopContainer(
                    StopContainerRequest.newBuilder().setId(id).setTimeoutSeconds(5).build());
                int code = status(rt, id).getExitCode();
                rt.removeContainer(RemoveContainerRequest.newBuilder().setId(id).build());
                return code;
              }));
    }
    for (Future<Integer> f : runs) {
      // 143 by the trap; 137 when SIGTERM came before the shell set its trap (PID 1 ignores
      // signals it has no handler for) and SIGKILL followed after the timeout.
      assertThat(f.get(5, TimeUnit.MINUTES)).isIn(128 + 15, 128 + 9);
    }
    pool.shutdown();
    assertNothingLeft(siflet);
  }

  /**
   * SIGTERM with a client following events (the operator always is): the stream ends at once as
   * UNAVAILABLE "siflet is stopping", so the server does not wait out its drain timeout for it.
   */
  @Test
  void aStopEndsTheEventStreamsItWouldOtherwiseWaitFor() throws Exception {
    SifletDaemon s = new SifletDaemon(Files.createDirectories(dir.resolve("stop"))).start();
    EpollEventLoopGroup loop = new EpollEventLoopGroup(1);
    ManagedChannel own = s.newChannel(loop);
    try {
      BlockingQueue<Throwable> ended = new LinkedBlockingQueue<>();
      new RuntimeServiceApi.Client(own)
          .getContainerEvents(
              GetContainerEventsRequest.getDefaultInstance(),
              new StreamObserver<>() {
                @Override
                public void onNext(ContainerEvent e) {}

                @Override
                public void onError(Throwable t) {
                  ended.add(t);
                }

                @Override
                public void onCompleted() {
                  ended.add(new AssertionError("completed instead of ended as unavailable"));
                }
              });
      Thread.sleep(300); // the subscription reaches siflet
      long t0 = System.nanoTime();
      assertThat(s.term()).as("not killed").isNotEqualTo(137);
      System.out.printf(
          "siflet stopped in %d ms with an event stream open%n",
          (System.nanoTime() - t0) / 1_000_000);
      Throwable t = ended.poll(10, TimeUnit.SECONDS);
      assertThat(t).as("the stream ended").isNotNull();
      assertThat(Status.fromThrowable(t).getCode()).isEqualTo(Status.Code.UNAVAILABLE);
      assertThat(Status.fromThrowable(t).getDescription()).isEqualTo("siflet is stopping");
    } finally {
      own.shutdownNow();
      loop.shutdownGracefully();
      s.close();
    }
  }

  @Test
  void containersOutliveSifletAndARestartRebuildsTheView() throws Exception {
    Path d = Files.createDirectories(dir.resolve("restart"));
    SifletDaemon s = new SifletDaemon(d).start();
    try {
      restartMatrix(s);
    } finally {
      s.start(); // (if it is not running) to remove what the test left
      removeAll(s);
      s.close();
    }
    assertNothingLeft(s);
  }

  private static void restartMatrix(SifletDaemon s) throws Exception {
    String img = pull(s, source);
    RuntimeServiceApi.Client rt = s.runtime();
    rt.createContainer(container("created", img, "exit 0").build());
    rt.createContainer(container("running", img, SLEEPER).build());
    rt.createContainer(container("exitsWhileDown", img, "sleep 4; exit 7").build());
    rt.createContainer(container("exitedBefore", img, "exit 9").build());
    start(rt, "running");
    start(rt, "exitedBefore");
    ContainerStatus before = awaitExit(rt, "exitedBefore");
    long runningPid = status(rt, "running").getPid();
    assertThat(runningPid).isPositive();

    // SIGTERM: siflet stops serving, the container keeps running.
    assertThat(s.term()).isNotEqualTo(137);
    assertThat(ProcessHandle.of(runningPid).map(ProcessHandle::isAlive)).contains(true);
    s.start();
    rt = s.runtime();
    start(rt, "exitsWhileDown");
    s.kill9();
    assertThat(ProcessHandle.of(runningPid).map(ProcessHandle::isAlive)).contains(true);
    Thread.sleep(6000); // exitsWhileDown ends while no siflet runs

    s.start();
    rt = s.runtime();
    assertThat(status(rt, "created").getState()).isEqualTo(ContainerState.CONTAINER_CREATED);
    ContainerStatus running = status(rt, "running");
    assertThat(running.getState()).isEqualTo(ContainerState.CONTAINER_RUNNING);
    assertThat(running.getPid()).isEqualTo(runningPid);
    ContainerStatus down = status(rt, "exitsWhileDown");
    assertThat(down.getState()).isEqualTo(ContainerState.CONTAINER_EXITED);
    assertThat(down.getExitCode()).isEqualTo(7);
    assertThat(status(rt, "exitedBefore")).isEqualTo(before);
    assertThat(s.logText()).contains("container exitsWhileDown exited while siflet was down");

    // Stop and remove still work on what was adopted.
    rt.stopContainer(
        StopContainerRequest.newBuilder().setId("running").setTimeoutSeconds(5).build());
    assertThat(status(rt, "running").getExitCode()).isEqualTo(128 + 15);
    start(rt, "created");
    assertThat(awaitExit(rt, "created").getExitCode()).isZero();
    s.term();
  }

  @Test
  void imagesBeyondTheBudgetGoLeastRecentlyUsedFirstButNeverOneInUse() throws Exception {
    byte[] busybox = Files.readAllBytes(Path.of("/bin/busybox"));
    for (String name : List.of("gc-a", "gc-b")) {
      TestImages.Layer l =
          new TestImages.Layer()
              .dir("bin", 0755, 0, 0)
              .file("bin/busybox", busybox, 0755)
              .symlink("bin/sh", "busybox")
              .file("which", name, 0644);
      com.fasterxml.jackson.databind.node.ObjectNode config =
          new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode();
      config.putArray("Cmd").add("/bin/sh");
      Path layout = TestImages.layout(dir.resolve(name), "v1", "amd64", List.of(l), false, config);
      registry.push(layout, "v1", "tools/" + name + ":1");
    }
    String a = "docker://" + registry.host() + "/tools/gc-a:1";
    String b = "docker://" + registry.host() + "/tools/gc-b:1";
    // A budget of one byte: every image is beyond it, so each pull collects garbage.
    try (SifletDaemon s =
        new SifletDaemon(Files.createDirectories(dir.resolve("gc")), "--image-disk-budget", "1")
            .start()) {
      String da = pull(s, a);
      assertThat(images(s)).containsExactly(da);
      String db = pull(s, b);
      assertThat(images(s)).as("a was least recently used and not in use").containsExactly(db);
      s.runtime().createContainer(container("user-of-b", db, "/bin/sh").build());
      pull(s, a);
      assertThat(images(s)).as("b is in use").containsExactlyInAnyOrder(da, db);
      removeAll(s);
      assertNothingLeft(s);
    }
  }

  private static List<String> images(SifletDaemon s) {
    return s.images().listImages(ListImagesRequest.getDefaultInstance()).getImagesList().stream()
        .map(Image::getManifestDigest)
        .toList();
  }

  @Test
  void mutualTlsRefusesClientsWithoutACertificateOfTheCa() throws Exception {
    Path pki =
        new TestPki(dir.resolve("pki"))
            .ca("ca")
            .ca("other")
            .cert("server", "ca", "IP:127.0.0.1")
            .cert("client", "ca", "IP:127.0.0.1")
            .cert("stranger", "other", "IP:127.0.0.1")
            .dir();
    try (SifletDaemon s = tlsDaemon("tls", pki, "client")) {
      assertThat(s.tcpPort).isPositive();
      assertThat(version(s, pki, "client")).isEqualTo("v1");
      for (String bad : new String[] {null, "stranger"}) {
        assertThatThrownBy(() -> version(s, pki, bad))
            .as("client certificate %s", bad)
            .isInstanceOfSatisfying(
                StatusRuntimeException.class,
                e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
      }
    }
  }

  /**
   * Authentication is not authorisation: a certificate the CA signed must also name an allowed
   * client (PERMISSION_DENIED, and a log line naming the peer, for another node's), and a
   * certificate for serving cannot act as a client at all (its extended key usage).
   */
  @Test
  void onlyAllowedClientsWithClientCertificatesAreServed() throws Exception {
    Path pki =
        new TestPki(dir.resolve("pki-authz"))
            .ca("ca")
            .server("server", "ca", "IP:127.0.0.1")
            .client("operator", "ca", "DNS:sifkube-operator")
            .client("node-b", "ca", "DNS:siflet.node-b")
            .dir();
    try (SifletDaemon s = tlsDaemon("tls-authz", pki, "sifkube-operator,server")) {
      assertThat(version(s, pki, "operator")).isEqualTo("v1");
      assertThatThrownBy(() -> version(s, pki, "node-b"))
          .isInstanceOfSatisfying(
              StatusRuntimeException.class,
              e -> {
                assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
                assertThat(e.getStatus().getDescription()).contains("siflet.node-b");
              });
      assertThat(Files.readString(s.log))
          .contains("refused sifkube.node.v1.RuntimeService/Version from /127.0.0.1:")
          .contains("CN=node-b")
          .contains("not in allowed-clients");
      // The server's own certificate names an allowed client, but is for serving only.
      assertThatThrownBy(() -> version(s, pki, "server"))
          .isInstanceOfSatisfying(
              StatusRuntimeException.class,
              e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
    }
  }

  /**
   * Certificates rotate in place, as cert-manager renews them: siflet and the operator's client
   * read the new files on the next handshake, without a restart; after the switch the new CA's
   * clients are served and the old CA's are refused.
   */
  @Test
  void certificatesRotateWithoutARestart() throws Exception {
    Path a =
        new TestPki(dir.resolve("pki-a"))
            .ca("ca")
            .server("server", "ca", "IP:127.0.0.1")
            .client("client", "ca", "DNS:sifkube-operator")
            .dir();
    Path b =
        new TestPki(dir.resolve("pki-b"))
            .ca("ca")
            .server("server", "ca", "IP:127.0.0.1")
            .client("client", "ca", "DNS:sifkube-operator")
            .dir();
    Path live = Files.createDirectories(dir.resolve("pki-live"));
    Path opLive = Files.createDirectories(dir.resolve("pki-op-live"));
    install(a, live, "ca.crt", "server.crt", "server.key");
    install(a, opLive, "ca.crt", "client.crt", "client.key");
    try (SifletDaemon s = tlsDaemon("tls-rotate", live, "sifkube-operator");
        var operator =
            new io.sifkube.operator.nodes.SifletClients(
                opLive.resolve("ca.crt"),
                opLive.resolve("client.crt"),
                opLive.resolve("client.key"),
                null)) {
      String address = "127.0.0.1:" + s.tcpPort;
      assertThat(version(s, a, "client")).isEqualTo("v1");
      assertThat(operator.runtime(address, 20).version(VersionRequest.getDefaultInstance()))
          .extracting(v -> v.getApiVersion())
          .isEqualTo("v1");
      assertThatThrownBy(() -> version(s, b, "client")).isInstanceOf(StatusRuntimeException.class);

      install(b, live, "ca.crt", "server.crt", "server.key");
      Thread.sleep(1500); // the files are looked at again at most once a second
      assertThat(version(s, b, "client")).isEqualTo("v1");
      assertThatThrownBy(() -> version(s, a, "client"))
          .as("the old CA's client after the switch")
          .isInstanceOf(StatusRuntimeException.class);
      assertThat(Files.readString(s.log)).contains("TLS: read " + live.resolve("server.crt"));

      // The operator's client follows its own files the same way.
      install(b, opLive, "ca.crt", "client.crt", "client.key");
      Thread.sleep(1500);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (true) {
        try {
          assertThat(operator.runtime(address, 5).version(VersionRequest.getDefaultInstance()))
              .extracting(v -> v.getApiVersion())
              .isEqualTo("v1");
          break;
        } catch (StatusRuntimeException e) {
          assertThat(System.nanoTime()).as("the operator's client reconnects").isLessThan(deadline);
          Thread.sleep(200);
        }
      }
    }
  }

  /** Copies {@code files} of {@code from} into {@code to}, each by a rename, as a rotation does. */
  private static void install(Path from, Path to, String... files) throws Exception {
    for (String f : files) {
      Path tmp = to.resolve("." + f + ".tmp");
      Files.copy(from.resolve(f), tmp, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      Files.move(
          tmp,
          to.resolve(f),
          java.nio.file.StandardCopyOption.ATOMIC_MOVE,
          java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }
  }

  /**
   * A DaemonSet shares one serving certificate: with --siflet-server-name the operator checks the
   * name it carries instead of the node address; without it, that certificate is refused.
   */
  @Test
  void noOtherUserCanConnectToTheSocketOrReadTheStateAndRunDirectories() throws Exception {
    // Everything in a directory any user may enter, and a state directory made too open
    // beforehand: only siflet's own modes can keep another user out.
    Path open = Files.createTempDirectory(Path.of("/tmp"), "sifkube-modes");
    try {
      Launcher.exec(List.of("chmod", "0755", open.toString())).ok();
      Files.createDirectories(open.resolve("state"));
      Launcher.exec(List.of("chmod", "0755", open.resolve("state").toString())).ok();
      try (SifletDaemon s = new SifletDaemon(open).start()) {
        String img = pull(s, source);
        RuntimeServiceApi.Client rt = s.runtime();
        rt.createContainer(container("private", img, "echo a-secret; " + SLEEPER).build());
        start(rt, "private");

        assertThat(mode(s.socket)).isEqualTo("srw-rw---- 0:0");
        assertThat(mode(s.stateDir)).isEqualTo("drwx------ 0:0");
        assertThat(mode(s.runDir)).isEqualTo("drwx------ 0:0");
        assertThat(s.logText()).contains(s.stateDir + " was mode rwxr-xr-x");
        assertThat(open.toFile().list())
            .as("the private directory the socket was bound in is gone")
            .containsExactlyInAnyOrder("state", "run", "siflet.sock", "siflet.log");

        // root reaches the socket (curl fails later, speaking HTTP/1 to gRPC, not with exit 7)
        assertThat(curl(List.of(), s.socket).status()).isNotEqualTo(7);
        Launcher.Result other = curl(NOBODY, s.socket);
        assertThat(other.status()).as("nobody cannot connect: %s", other.err()).isEqualTo(7);

        List<String> paths = new ArrayList<>();
        for (Path root : List.of(s.stateDir, s.runDir)) {
          try (var walk = Files.walk(root, 3)) {
            walk.forEach(p -> paths.add(p.toString()));
          }
        }
        assertThat(paths).anyMatch(p -> p.contains("/logs/"));
        List<String> probe = new ArrayList<>(NOBODY);
        probe.addAll(
            List.of(
                "sh",
                "-c",
                "for p; do if [ -d \"$p\" ]; then ls \"$p\" >/dev/null 2>&1 && echo \"$p\";"
                    + " elif cat \"$p\" >/dev/null 2>&1; then echo \"$p\"; fi; done",
                "sh"));
        probe.addAll(paths);
        assertThat(Launcher.exec(probe).out().lines().toList())
            .as("what nobody could list or read")
            .isEmpty();
        removeAll(s);
      }
    } finally {
      Launcher.exec(List.of("rm", "-rf", open.toString()));
    }
  }

  private static final List<String> NOBODY =
      List.of("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--");

  private static String mode(Path p) throws Exception {
    return Launcher.exec(List.of("stat", "-c", "%A %u:%g", p.toString())).ok().out().strip();
  }

  private static Launcher.Result curl(List<String> as, Path socket) throws Exception {
    List<String> cmd = new ArrayList<>(as);
    cmd.addAll(
        List.of("curl", "-sS", "--max-time", "5", "--unix-socket", socket.toString(), "http://x/"));
    return Launcher.exec(cmd);
  }

  @Test
  void theOperatorAcceptsOneNamedCertificateForEveryNodeOnlyWhenToldItsName() throws Exception {
    Path pki =
        new TestPki(dir.resolve("pki-named"))
            .ca("ca")
            .cert("server", "ca", "DNS:siflet.sifkube.test")
            .cert("client", "ca", "DNS:operator")
            .dir();
    try (SifletDaemon s = tlsDaemon("tls-named", pki)) {
      String address = "127.0.0.1:" + s.tcpPort;
      try (var named =
          new io.sifkube.operator.nodes.SifletClients(
              pki.resolve("ca.crt"),
              pki.resolve("client.crt"),
              pki.resolve("client.key"),
              "siflet.sifkube.test")) {
        assertThat(named.runtime(address, 20).version(VersionRequest.getDefaultInstance()))
            .extracting(v -> v.getApiVersion())
            .isEqualTo("v1");
      }
      try (var byAddress =
          new io.sifkube.operator.nodes.SifletClients(
              pki.resolve("ca.crt"), pki.resolve("client.crt"), pki.resolve("client.key"), null)) {
        assertThatThrownBy(
                () -> byAddress.runtime(address, 20).version(VersionRequest.getDefaultInstance()))
            .isInstanceOfSatisfying(
                StatusRuntimeException.class,
                e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
      }
    }
  }

  /** A siflet on TCP with mutual TLS: server.crt/key of {@code pki}, clients of its ca.crt. */
  private static SifletDaemon tlsDaemon(String name, Path pki) throws Exception {
    return tlsDaemon(name, pki, "*");
  }

  /** As {@link #tlsDaemon(String, Path)}, serving only the clients named. */
  private static SifletDaemon tlsDaemon(String name, Path pki, String allowed) throws Exception {
    return new SifletDaemon(
            Files.createDirectories(dir.resolve(name)),
            "--listen",
            "127.0.0.1:0",
            "--tls-ca",
            pki.resolve("ca.crt").toString(),
            "--tls-cert",
            pki.resolve("server.crt").toString(),
            "--tls-key",
            pki.resolve("server.key").toString(),
            "--allowed-clients",
            allowed)
        .start();
  }

  private static String version(SifletDaemon s, Path pki, String client) throws Exception {
    SslContextBuilder ssl =
        GrpcSslContexts.forClient().trustManager(pki.resolve("ca.crt").toFile());
    if (client != null) {
      ssl.keyManager(pki.resolve(client + ".crt").toFile(), pki.resolve(client + ".key").toFile());
    }
    ManagedChannel ch =
        NettyChannelBuilder.forAddress("127.0.0.1", s.tcpPort).sslContext(ssl.build()).build();
    try {
      return new RuntimeServiceApi.Client(ch)
          .withDeadline(20, TimeUnit.SECONDS)
          .version(VersionRequest.getDefaultInstance())
          .getApiVersion();
    } finally {
      ch.shutdownNow();
    }
  }
}
