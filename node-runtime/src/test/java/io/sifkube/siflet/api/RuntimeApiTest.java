package io.sifkube.siflet.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.StreamObserver;
import io.sifkube.node.v1.AuthConfig;
import io.sifkube.node.v1.Bind;
import io.sifkube.node.v1.ContainerConfig;
import io.sifkube.node.v1.ContainerEvent;
import io.sifkube.node.v1.ContainerEventType;
import io.sifkube.node.v1.ContainerLogsRequest;
import io.sifkube.node.v1.ContainerState;
import io.sifkube.node.v1.ContainerStatus;
import io.sifkube.node.v1.ContainerStatusRequest;
import io.sifkube.node.v1.CreateContainerRequest;
import io.sifkube.node.v1.CreateContainerResponse;
import io.sifkube.node.v1.ExecSyncRequest;
import io.sifkube.node.v1.GetContainerEventsRequest;
import io.sifkube.node.v1.ListContainersRequest;
import io.sifkube.node.v1.LogEntry;
import io.sifkube.node.v1.LogStream;
import io.sifkube.node.v1.PullImageRequest;
import io.sifkube.node.v1.RemoveContainerRequest;
import io.sifkube.node.v1.Resources;
import io.sifkube.node.v1.StartContainerRequest;
import io.sifkube.node.v1.StopContainerRequest;
import io.sifkube.node.v1.grpc.ImageServiceApi;
import io.sifkube.node.v1.grpc.RuntimeServiceApi;
import io.sifkube.siflet.containers.Containers;
import io.sifkube.siflet.containers.FakeBackend;
import io.sifkube.siflet.devices.DeviceInventory;
import io.sifkube.siflet.images.ImageStore;
import io.sifkube.siflet.server.Metrics;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The API's semantics, in process, over a fake backend: idempotency, status codes, messages. */
class RuntimeApiTest {

  @TempDir Path dir;
  private FakeBackend backend;
  private Containers containers;
  private Server server;
  private ManagedChannel channel;
  private RuntimeServiceApi.Client rt;
  private ImageServiceApi.Client images;
  private Path sif;
  private Path cdi;
  private DeviceInventory devices;
  private RuntimeApi api;

  @BeforeEach
  void setUp() throws Exception {
    backend = new FakeBackend(Files.createDirectories(dir.resolve("logs")));
    containers = new Containers(dir.resolve("state"), backend, m -> {});
    containers.startWatching();
    ImageStore store = new ImageStore(dir.resolve("state"), 0, d -> false, f -> {});
    Metrics metrics = new Metrics(containers::list);
    cdi = Files.createDirectories(dir.resolve("cdi"));
    devices = new DeviceInventory(List.of(cdi), m -> {});
    String name = InProcessServerBuilder.generateName();
    server =
        InProcessServerBuilder.forName(name)
            .addService(new ImageApi(store, containers, metrics, m -> {}))
            .addService(
                api =
                    new RuntimeApi(
                        containers,
                        store,
                        null,
                        devices,
                        metrics,
                        m -> {},
                        Path.of("/nonexistent/seccomp")))
            .build()
            .start();
    channel = InProcessChannelBuilder.forName(name).build();
    rt = new RuntimeServiceApi.Client(channel).withDeadline(30, TimeUnit.SECONDS);
    images = new ImageServiceApi.Client(channel).withDeadline(30, TimeUnit.SECONDS);
    sif = Files.writeString(dir.resolve("image.oci.sif"), "a fake image; the backend is fake too");
  }

  @AfterEach
  void tearDown() {
    channel.shutdownNow();
    server.shutdownNow();
    containers.close();
  }

  private CreateContainerRequest.Builder create(String id) {
    return CreateContainerRequest.newBuilder()
        .setId(id)
        .setConfig(ContainerConfig.newBuilder().setImage(sif.toString()).addArgs("true"));
  }

  private ContainerStatus status(String id) {
    return rt.containerStatus(ContainerStatusRequest.newBuilder().setId(id).build()).getStatus();
  }

  private static void assertStatus(Runnable call, Status.Code code, String message) {
    assertThatThrownBy(call::run)
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(code);
              assertThat(e.getStatus().getDescription()).contains(message);
            });
  }

  @Test
  void creatingAnExistingIdReturnsThatContainer() {
    CreateContainerResponse first = rt.createContainer(create("job-1").putLabels("a", "1").build());
    assertThat(first.getCreated()).isTrue();
    assertThat(first.getStatus().getState()).isEqualTo(ContainerState.CONTAINER_CREATED);
    CreateContainerResponse again =
        rt.createContainer(create("job-1").putLabels("a", "other").build());
    assertThat(again.getCreated()).isFalse();
    assertThat(again.getStatus()).isEqualTo(first.getStatus());
    assertThat(backend.creates.get()).isEqualTo(1);
  }

  @Test
  void concurrentCreatesOfOneIdMakeOneContainer() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(8);
    List<Future<CreateContainerResponse>> calls = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      calls.add(pool.submit(() -> rt.createContainer(create("same").build())));
    }
    int made = 0;
    for (Future<CreateContainerResponse> f : calls) {
      made += f.get().getCreated() ? 1 : 0;
    }
    pool.shutdown();
    assertThat(made).isEqualTo(1);
    assertThat(backend.creates.get()).isEqualTo(1);
  }

  @Test
  void lifecycleCallsAreIdempotentWhereCriSaysSo() {
    rt.createContainer(create("c").build());
    rt.startContainer(StartContainerRequest.newBuilder().setId("c").build());
    assertThat(status("c").getState()).isEqualTo(ContainerState.CONTAINER_RUNNING);
    assertThat(status("c").getPid()).isEqualTo(4242);
    assertStatus(
        () -> rt.startContainer(StartContainerRequest.newBuilder().setId("c").build()),
        Status.Code.FAILED_PRECONDITION,
        "container c is running, not created");

    rt.stopContainer(StopContainerRequest.newBuilder().setId("c").setTimeoutSeconds(5).build());
    ContainerStatus s = status("c");
    assertThat(s.getState()).isEqualTo(ContainerState.CONTAINER_EXITED);
    assertThat(s.getExitCode()).isEqualTo(143);
    assertThat(s.getReason()).isEqualTo("Error");
    assertThat(s.hasFinishedAt()).isTrue();
    assertThat(backend.boxes.get("c").released).as("mounts freed at exit").isTrue();
    rt.stopContainer(StopContainerRequest.newBuilder().setId("c").build()); // stopped: fine

    rt.removeContainer(RemoveContainerRequest.newBuilder().setId("c").build());
    rt.removeContainer(RemoveContainerRequest.newBuilder().setId("c").build()); // gone: fine
    assertThat(backend.deleted).containsExactly("c");
    assertStatus(() -> status("c"), Status.Code.NOT_FOUND, "no container c");
    assertStatus(
        () -> rt.startContainer(StartContainerRequest.newBuilder().setId("nope").build()),
        Status.Code.NOT_FOUND,
        "no container nope");
  }

  @Test
  void createWithStartIsOneIdempotentRoundTrip() {
    CreateContainerResponse first = rt.createContainer(create("cs").setStart(true).build());
    assertThat(first.getCreated()).isTrue();
    assertThat(first.getStatus().getState()).isEqualTo(ContainerState.CONTAINER_RUNNING);
    assertThat(first.getStatus().getPid()).isEqualTo(4242);
    assertThat(first.getStatus().hasStartedAt()).isTrue();
    CreateContainerResponse again = rt.createContainer(create("cs").setStart(true).build());
    assertThat(again.getCreated()).isFalse();
    assertThat(again.getStatus().getState()).isEqualTo(ContainerState.CONTAINER_RUNNING);
    assertThat(again.getStatus().getStartedAt()).isEqualTo(first.getStatus().getStartedAt());

    // Created without start (a gang's rank), then asked again with start: started now.
    rt.createContainer(create("later").build());
    assertThat(backend.boxes.get("later").started).isFalse();
    assertThat(rt.createContainer(create("later").setStart(true).build()).getStatus().getState())
        .isEqualTo(ContainerState.CONTAINER_RUNNING);
    assertThat(backend.boxes.get("later").started).isTrue();

    // Exited already: left as it is, and said so.
    backend.boxes.get("cs").exit = 3;
    awaitState("cs", ContainerState.CONTAINER_EXITED);
    ContainerStatus exited = rt.createContainer(create("cs").setStart(true).build()).getStatus();
    assertThat(exited.getState()).isEqualTo(ContainerState.CONTAINER_EXITED);
    assertThat(exited.getExitCode()).isEqualTo(3);
    assertThat(backend.creates.get()).isEqualTo(2);
  }

  private void awaitState(String id, ContainerState want) {
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (status(id).getState() != want) {
      assertThat(System.nanoTime()).as("%s reaches %s", id, want).isLessThan(until);
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        throw new AssertionError(e);
      }
    }
  }

  @Test
  void stopKillsWhatIgnoresSigtermAfterTheTimeout() {
    rt.createContainer(create("stubborn").build());
    rt.startContainer(StartContainerRequest.newBuilder().setId("stubborn").build());
    backend.boxes.get("stubborn").ignoresTerm = true;
    rt.stopContainer(
        StopContainerRequest.newBuilder().setId("stubborn").setTimeoutSeconds(1).build());
    assertThat(status("stubborn").getExitCode()).isEqualTo(137);
  }

  @Test
  void badRequestsNameTheField() throws Exception {
    assertStatus(
        () -> rt.createContainer(create("").build()), Status.Code.INVALID_ARGUMENT, "id: required");
    assertStatus(
        () -> rt.createContainer(create("../x").build()),
        Status.Code.INVALID_ARGUMENT,
        "id: \"../x\" is not 1-128 letters");
    assertStatus(
        () ->
            rt.createContainer(
                CreateContainerRequest.newBuilder()
                    .setId("a")
                    .setConfig(ContainerConfig.getDefaultInstance())
                    .build()),
        Status.Code.INVALID_ARGUMENT,
        "config.image: required");
    assertStatus(
        () ->
            rt.createContainer(
                create("a")
                    .setConfig(
                        ContainerConfig.newBuilder()
                            .setImage(sif.toString())
                            .addBinds(Bind.newBuilder().setSource("/etc"))
                            .addBinds(Bind.newBuilder().setSource("/no/such/dir")))
                    .build()),
        Status.Code.INVALID_ARGUMENT,
        "config.binds[1].source: /no/such/dir does not exist");
    assertStatus(
        () ->
            rt.createContainer(
                create("a")
                    .setConfig(
                        ContainerConfig.newBuilder()
                            .setImage(sif.toString())
                            .addEnv("A=1")
                            .addEnv("novalue"))
                    .build()),
        Status.Code.INVALID_ARGUMENT,
        "config.env[1]: \"novalue\" is not KEY=VALUE");
    assertStatus(
        () ->
            rt.createContainer(
                create("a")
                    .setConfig(
                        ContainerConfig.newBuilder()
                            .setImage(sif.toString())
                            .setResources(Resources.newBuilder().setBlkioWeight(5)))
                    .build()),
        Status.Code.INVALID_ARGUMENT,
        "config.resources.blkio_weight: 5 is not in 10..1000");
    assertStatus(
        () ->
            rt.createContainer(
                create("a")
                    .setConfig(
                        ContainerConfig.newBuilder()
                            .setImage(sif.toString())
                            .addAddCaps("CAP_NOT_A_THING"))
                    .build()),
        Status.Code.INVALID_ARGUMENT,
        "config.add_caps[0]:");
    assertStatus(
        () ->
            rt.createContainer(
                create("a")
                    .setConfig(ContainerConfig.newBuilder().setImage("docker://never/pulled"))
                    .build()),
        Status.Code.NOT_FOUND,
        "config.image: docker://never/pulled is not pulled on this node");
    assertStatus(
        () ->
            rt.stopContainer(
                StopContainerRequest.newBuilder().setId("a").setTimeoutSeconds(-1).build()),
        Status.Code.INVALID_ARGUMENT,
        "timeout_seconds: must not be negative");
    assertThat(backend.creates.get()).as("nothing reached the backend").isZero();
    try (var s = Files.list(dir.resolve("state/records"))) {
      assertThat(s).as("no record of a refused container").isEmpty();
    } catch (java.nio.file.NoSuchFileException none) {
      // no record directory at all: also nothing recorded
    }
  }

  @Test
  void aFailedCreateLeavesNoContainer() {
    assertStatus(
        () ->
            rt.createContainer(
                create("broken")
                    .setConfig(
                        ContainerConfig.newBuilder()
                            .setImage(sif.toString())
                            .addArgs("fail-create"))
                    .build()),
        Status.Code.INTERNAL,
        "creating container broken failed: as asked");
    assertStatus(() -> status("broken"), Status.Code.NOT_FOUND, "no container broken");
  }

  @Test
  void listFiltersByLabelsAndState() {
    rt.createContainer(create("a").putLabels("run", "r1").build());
    rt.createContainer(create("b").putLabels("run", "r2").build());
    rt.startContainer(StartContainerRequest.newBuilder().setId("b").build());
    assertThat(
            rt.listContainers(
                    ListContainersRequest.newBuilder().putLabelSelector("run", "r1").build())
                .getContainersList())
        .extracting(ContainerStatus::getId)
        .containsExactly("a");
    assertThat(
            rt.listContainers(
                    ListContainersRequest.newBuilder()
                        .setState(ContainerState.CONTAINER_RUNNING)
                        .build())
                .getContainersList())
        .extracting(ContainerStatus::getId)
        .containsExactly("b");
    assertThat(rt.listContainers(ListContainersRequest.getDefaultInstance()).getContainersCount())
        .isEqualTo(2);
  }

  /** Subscribes to events as {@code req} asks; what comes is queued. */
  private BlockingQueue<ContainerEvent> follow(GetContainerEventsRequest req)
      throws InterruptedException {
    BlockingQueue<ContainerEvent> seen = new LinkedBlockingQueue<>();
    rt.getContainerEvents(
        req,
        new StreamObserver<>() {
          @Override
          public void onNext(ContainerEvent value) {
            seen.add(value);
          }

          @Override
          public void onError(Throwable t) {}

          @Override
          public void onCompleted() {}
        });
    Thread.sleep(200); // let the subscription reach the server
    return seen;
  }

  /** As siflet stops: new calls refused, then the endless calls ended, so the server drains. */
  @Test
  void stoppingEndsEventStreamsAndFollowedLogsSoTheServerNeedNotWaitForThem() throws Exception {
    BlockingQueue<Throwable> ended = new LinkedBlockingQueue<>();
    rt.getContainerEvents(
        GetContainerEventsRequest.getDefaultInstance(),
        new StreamObserver<>() {
          @Override
          public void onNext(ContainerEvent value) {}

          @Override
          public void onError(Throwable t) {
            ended.add(t);
          }

          @Override
          public void onCompleted() {
            ended.add(new AssertionError("completed, not ended as unavailable"));
          }
        });
    rt.createContainer(create("f").setStart(true).build()); // runs until the test ends
    ExecutorService reader = Executors.newSingleThreadExecutor();
    Future<Throwable> logEnd =
        reader.submit(
            () -> {
              try {
                rt.containerLogs(
                        ContainerLogsRequest.newBuilder().setId("f").setFollow(true).build())
                    .forEachRemaining(e -> {});
                return new AssertionError("the followed log completed, not ended as unavailable");
              } catch (StatusRuntimeException e) {
                return e;
              }
            });
    for (int i = 0; i < 50 && api.openEventStreams() == 0; i++) {
      Thread.sleep(100); // the subscription reaches the server
    }
    assertThat(api.openEventStreams()).isEqualTo(1);
    Thread.sleep(300); // the log call too
    server.shutdown();
    assertThat(server.awaitTermination(300, TimeUnit.MILLISECONDS))
        .as("open streams hold an orderly shutdown")
        .isFalse();
    api.endCalls();
    assertThat(server.awaitTermination(5, TimeUnit.SECONDS)).as("drained").isTrue();
    for (Throwable t : List.of(ended.poll(5, TimeUnit.SECONDS), logEnd.get(5, TimeUnit.SECONDS))) {
      assertThat(Status.fromThrowable(t).getCode()).as("%s", t).isEqualTo(Status.Code.UNAVAILABLE);
      assertThat(Status.fromThrowable(t).getDescription()).isEqualTo("siflet is stopping");
    }
    reader.shutdown();
    assertThat(api.openEventStreams()).as("the listener unsubscribed").isZero();
  }

  @Test
  void eventsFollowEveryTransition() throws Exception {
    BlockingQueue<ContainerEvent> seen =
        follow(GetContainerEventsRequest.newBuilder().setId("e").build());
    rt.createContainer(create("other").build()); // filtered out
    rt.createContainer(create("e").build());
    rt.startContainer(StartContainerRequest.newBuilder().setId("e").build());
    backend.boxes.get("e").exit = 42; // the process ends by itself: the watcher notices
    List<ContainerEventType> types = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      ContainerEvent ev = seen.poll(10, TimeUnit.SECONDS);
      assertThat(ev).as("event %d", i).isNotNull();
      assertThat(ev.getId()).isEqualTo("e");
      types.add(ev.getType());
      if (ev.getType() == ContainerEventType.CONTAINER_STOPPED_EVENT) {
        assertThat(ev.getStatus().getExitCode()).isEqualTo(42);
      }
    }
    assertThat(types)
        .containsExactly(
            ContainerEventType.CONTAINER_CREATED_EVENT,
            ContainerEventType.CONTAINER_STARTED_EVENT,
            ContainerEventType.CONTAINER_STOPPED_EVENT);
  }

  @Test
  void eventsCanBeFilteredByTypeAndStopsCarryTheOutputTail() throws Exception {
    BlockingQueue<ContainerEvent> seen =
        follow(
            GetContainerEventsRequest.newBuilder()
                .addTypes(ContainerEventType.CONTAINER_STOPPED_EVENT)
                .setOutputTailBytes(9)
                .build());
    rt.createContainer(create("t").setStart(true).build());
    Instant t0 = Instant.parse("2026-01-01T00:00:00Z");
    backend.log("t", t0, "stdout", "first");
    backend.log("t", t0.plusSeconds(1), "stderr", "second");
    backend.log("t", t0.plusSeconds(2), "stdout", "end");
    backend.boxes.get("t").exit = 0;
    ContainerEvent ev = seen.poll(10, TimeUnit.SECONDS);
    assertThat(ev).as("the stop event").isNotNull();
    assertThat(ev.getType()).isEqualTo(ContainerEventType.CONTAINER_STOPPED_EVENT);
    assertThat(ev.hasOutputTail()).isTrue();
    // 9 bytes at most of "first\nsecond\nend\n", from a line start.
    assertThat(ev.getOutputTail().toStringUtf8()).isEqualTo("end\n");
    rt.removeContainer(RemoveContainerRequest.newBuilder().setId("t").build());
    assertThat(seen.poll(300, TimeUnit.MILLISECONDS))
        .as("created, started, deleted: not asked")
        .isNull();
  }

  @Test
  void logsHonourTailSinceAndFollow() throws Exception {
    rt.createContainer(create("l").build());
    rt.startContainer(StartContainerRequest.newBuilder().setId("l").build());
    Instant t0 = Instant.parse("2026-01-01T00:00:00Z");
    backend.log("l", t0, "stdout", "one");
    backend.log("l", t0.plusSeconds(1), "stderr", "two");
    backend.log("l", t0.plusSeconds(2), "stdout", "three");
    List<String> tail = lines(ContainerLogsRequest.newBuilder().setId("l").setTailLines(2));
    assertThat(tail).containsExactly("stderr:two", "stdout:three");
    List<String> since =
        lines(
            ContainerLogsRequest.newBuilder()
                .setId("l")
                .setSince(RuntimeApi.timestamp(t0.plusSeconds(2).toEpochMilli())));
    assertThat(since).containsExactly("stdout:three");

    Iterator<LogEntry> follow =
        rt.containerLogs(ContainerLogsRequest.newBuilder().setId("l").setFollow(true).build());
    assertThat(follow.next().getLine().toStringUtf8()).isEqualTo("one");
    follow.next();
    follow.next();
    backend.log("l", t0.plusSeconds(3), "stdout", "four");
    assertThat(follow.next().getLine().toStringUtf8()).isEqualTo("four");
    backend.boxes.get("l").exit = 0;
    assertThat(follow.hasNext()).as("the stream ends with the container").isFalse();
    assertThat(status("l").getReason()).isEqualTo("Completed");
  }

  private List<String> lines(ContainerLogsRequest.Builder req) {
    List<String> out = new ArrayList<>();
    rt.containerLogs(req.build())
        .forEachRemaining(
            e ->
                out.add(
                    (e.getStream() == LogStream.STDERR ? "stderr:" : "stdout:")
                        + e.getLine().toStringUtf8()));
    return out;
  }

  @Test
  void execSyncNeedsARunningContainer() {
    rt.createContainer(create("x").build());
    assertStatus(
        () -> rt.execSync(ExecSyncRequest.newBuilder().setId("x").addCommand("ls").build()),
        Status.Code.FAILED_PRECONDITION,
        "container x is created, not running");
    rt.startContainer(StartContainerRequest.newBuilder().setId("x").build());
    assertThat(
            rt.execSync(
                    ExecSyncRequest.newBuilder()
                        .setId("x")
                        .addCommand("ls")
                        .addCommand("/")
                        .build())
                .getStdout()
                .toStringUtf8())
        .isEqualTo("ls /");
    assertStatus(
        () -> rt.execSync(ExecSyncRequest.newBuilder().setId("x").build()),
        Status.Code.INVALID_ARGUMENT,
        "command: required");
  }

  @Test
  void credentialsAreOnlyForTheImagesOwnRegistry() {
    assertStatus(
        () ->
            images
                .pullImage(
                    PullImageRequest.newBuilder()
                        .setSource("docker://registry.example.com/app:1")
                        .setAuth(
                            AuthConfig.newBuilder()
                                .setServer("evil.example.net")
                                .setUsername("u")
                                .setPassword("p"))
                        .build())
                .next(),
        Status.Code.INVALID_ARGUMENT,
        "auth.server: evil.example.net is not the image's registry registry.example.com");
    assertStatus(
        () -> images.pullImage(PullImageRequest.newBuilder().setSource("ftp://x").build()).next(),
        Status.Code.INVALID_ARGUMENT,
        "ftp://x: unknown source");
    assertStatus(
        () -> images.pullImage(PullImageRequest.getDefaultInstance()).next(),
        Status.Code.INVALID_ARGUMENT,
        "source: required");
  }

  @Test
  void cdiDevicesAreResolvedAtCreateAndRecordedInTheStatus() throws Exception {
    Files.writeString(
        cdi.resolve("example.yaml"),
        "cdiVersion: 0.5.0\nkind: example.com/dev\ndevices:\n"
            + "- {name: null0, containerEdits: {deviceNodes: [{path: /dev/x0, hostPath: /dev/null}]}}\n");
    CreateContainerResponse r =
        rt.createContainer(
            create("dev-1")
                .setConfig(
                    create("dev-1").getConfig().toBuilder().addDevices("example.com/dev=null0"))
                .build());
    assertThat(r.getStatus().getDevicesList())
        .singleElement()
        .satisfies(
            d -> {
              assertThat(d.getName()).isEqualTo("example.com/dev=null0");
              assertThat(d.getSpecPath()).isEqualTo(cdi.resolve("example.yaml").toString());
              assertThat(d.getSpecSha256()).hasSize(64);
              assertThat(d.getCdiVersion()).isEqualTo("0.5.0");
              assertThat(d.getNodesList()).containsExactly("/dev/x0 c 1:3 from /dev/null");
            });
    assertThat(backend.boxes.get("dev-1").opts.extras().cdi().devices()).hasSize(1);
    // The record keeps it: the status of a later call shows the same devices.
    assertThat(status("dev-1").getDevicesList()).isEqualTo(r.getStatus().getDevicesList());
  }

  @Test
  void unknownCdiDevicesAreInvalidArgumentNamingEachAndNothingIsCreated() {
    assertStatus(
        () ->
            rt.createContainer(
                create("dev-2")
                    .setConfig(
                        create("dev-2").getConfig().toBuilder()
                            .addDevices("nvidia.com/gpu=0")
                            .addDevices("gpu0"))
                    .build()),
        Status.Code.INVALID_ARGUMENT,
        "config.devices: \"gpu0\" is not a CDI device name (vendor/class=name): no '='; unresolvable"
            + " CDI devices: nvidia.com/gpu=0 (no device is offered here)");
    assertThat(backend.boxes).doesNotContainKey("dev-2");
  }
}
