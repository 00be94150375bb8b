package io.sifkube.operator.run;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Server;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.StreamObserver;
import io.javaoperatorsdk.operator.processing.event.Event;
import io.javaoperatorsdk.operator.processing.event.EventHandler;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.sifkube.node.v1.ContainerConfig;
import io.sifkube.node.v1.ContainerEvent;
import io.sifkube.node.v1.ContainerEventType;
import io.sifkube.node.v1.ContainerState;
import io.sifkube.node.v1.ContainerStatus;
import io.sifkube.node.v1.CreateContainerRequest;
import io.sifkube.node.v1.CreateContainerResponse;
import io.sifkube.node.v1.GetContainerEventsRequest;
import io.sifkube.node.v1.ListContainersRequest;
import io.sifkube.node.v1.ListContainersResponse;
import io.sifkube.node.v1.StartContainerRequest;
import io.sifkube.node.v1.StartContainerResponse;
import io.sifkube.node.v1.grpc.RuntimeServiceApi;
import io.sifkube.operator.nodes.SifletClients;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The operator's end of the node calls, against a scripted siflet in process. */
class NodeCallsTest {

  /** A siflet that records what it is asked and answers as the test says. */
  static final class ScriptedSiflet extends RuntimeServiceApi.Service {
    final List<Object> calls = new CopyOnWriteArrayList<>();
    volatile ContainerState createdState = ContainerState.CONTAINER_RUNNING;
    volatile StreamObserver<ContainerEvent> events;

    @Override
    public void createContainer(
        CreateContainerRequest req, StreamObserver<CreateContainerResponse> out) {
      calls.add(req);
      out.onNext(
          CreateContainerResponse.newBuilder()
              .setCreated(true)
              .setStatus(ContainerStatus.newBuilder().setId(req.getId()).setState(createdState))
              .build());
      out.onCompleted();
    }

    @Override
    public void startContainer(
        StartContainerRequest req, StreamObserver<StartContainerResponse> out) {
      calls.add(req);
      out.onNext(StartContainerResponse.getDefaultInstance());
      out.onCompleted();
    }

    @Override
    public void listContainers(
        ListContainersRequest req, StreamObserver<ListContainersResponse> out) {
      out.onNext(ListContainersResponse.getDefaultInstance());
      out.onCompleted();
    }

    @Override
    public void getContainerEvents(
        GetContainerEventsRequest req, StreamObserver<ContainerEvent> out) {
      calls.add(req);
      events = out;
    }
  }

  private final ScriptedSiflet siflet = new ScriptedSiflet();
  private Server server;
  private SifletClients clients;

  @BeforeEach
  void setUp() throws Exception {
    String name = InProcessServerBuilder.generateName();
    server = InProcessServerBuilder.forName(name).addService(siflet).build().start();
    clients = new SifletClients(a -> InProcessChannelBuilder.forName(name).build());
  }

  @AfterEach
  void tearDown() {
    clients.close();
    server.shutdownNow();
  }

  @Test
  void createAndStartIsOneCallWithStart() {
    NodeCalls.Launched l =
        new NodeCalls(clients, "node-a:1")
            .createAndStart("run-1", ContainerConfig.getDefaultInstance(), Map.of("k", "v"));
    assertThat(l.exited()).isFalse();
    assertThat(siflet.calls).hasSize(1);
    CreateContainerRequest req = (CreateContainerRequest) siflet.calls.get(0);
    assertThat(req.getStart()).isTrue();
    assertThat(req.getId()).isEqualTo("run-1");
    assertThat(req.getLabelsMap()).containsEntry("k", "v");
  }

  @Test
  void aSifletThatIgnoresStartIsAskedToStartAfterwards() {
    siflet.createdState = ContainerState.CONTAINER_CREATED; // an older siflet
    new NodeCalls(clients, "node-a:1")
        .createAndStart("run-2", ContainerConfig.getDefaultInstance(), Map.of());
    assertThat(siflet.calls).hasSize(2);
    assertThat(siflet.calls.get(1))
        .isEqualTo(StartContainerRequest.newBuilder().setId("run-2").build());
  }

  @Test
  void onlyANotFoundNamingTheImageMeansTheNodeDroppedIt() {
    assertThat(
            NodeCalls.imageGone(
                io.grpc.Status.NOT_FOUND
                    .withDescription(
                        "config.image: sha256:ab is not pulled on this node (PullImage it first)")
                    .asRuntimeException()))
        .isTrue();
    assertThat(
            NodeCalls.imageGone(
                io.grpc.Status.NOT_FOUND
                    .withDescription("devices: vendor.com/gpu=9 is not on this node")
                    .asRuntimeException()))
        .isFalse();
    assertThat(
            NodeCalls.imageGone(
                io.grpc.Status.INVALID_ARGUMENT
                    .withDescription("config.image: empty")
                    .asRuntimeException()))
        .isFalse();
    assertThat(NodeCalls.imageGone(io.grpc.Status.NOT_FOUND.asRuntimeException())).isFalse();
  }

  @Test
  void aGangRankIsCreatedWithoutStart() {
    siflet.createdState = ContainerState.CONTAINER_CREATED;
    new NodeCalls(clients, "node-a:1")
        .create("rank-0", ContainerConfig.getDefaultInstance(), Map.of());
    assertThat(siflet.calls).hasSize(1);
    assertThat(((CreateContainerRequest) siflet.calls.get(0)).getStart()).isFalse();
  }

  @Test
  void stopEventsCarryTheExitUntilTheContainerIsDeleted() throws Exception {
    BlockingQueue<ResourceID> reconciles = new LinkedBlockingQueue<>();
    ContainerEventSource source = new ContainerEventSource(clients, () -> Set.of("node-a:1"));
    source.setEventHandler(
        new EventHandler() {
          @Override
          public void handleEvent(Event event) {
            reconciles.add(event.getRelatedCustomResourceID());
          }
        });
    source.start();
    try {
      long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (siflet.events == null && System.nanoTime() < until) {
        Thread.sleep(20);
      }
      assertThat(siflet.events).as("the operator follows the node's events").isNotNull();
      GetContainerEventsRequest asked =
          (GetContainerEventsRequest)
              siflet.calls.stream()
                  .filter(GetContainerEventsRequest.class::isInstance)
                  .findFirst()
                  .orElseThrow();
      assertThat(asked.getTypesList())
          .containsExactly(
              ContainerEventType.CONTAINER_STOPPED_EVENT,
              ContainerEventType.CONTAINER_DELETED_EVENT);
      assertThat(asked.getOutputTailBytes()).isEqualTo(NodeCalls.TAIL_BYTES);

      ContainerStatus exited =
          ContainerStatus.newBuilder()
              .setId("c1")
              .setState(ContainerState.CONTAINER_EXITED)
              .setExitCode(3)
              .putLabels(ContainerEventSource.RUN_NAMESPACE, "ns")
              .putLabels(ContainerEventSource.RUN_NAME, "job")
              .build();
      siflet.events.onNext(
          ContainerEvent.newBuilder()
              .setId("c1")
              .setType(ContainerEventType.CONTAINER_STOPPED_EVENT)
              .setStatus(exited)
              .setOutputTail(com.google.protobuf.ByteString.copyFromUtf8("bye\n"))
              .build());
      assertThat(reconciles.poll(10, TimeUnit.SECONDS)).isEqualTo(new ResourceID("job", "ns"));
      ContainerEventSource.Exit exit = source.exit("c1").orElseThrow();
      assertThat(exit.status().getExitCode()).isEqualTo(3);
      assertThat(exit.outputTail()).contains("bye\n");

      siflet.events.onNext(
          ContainerEvent.newBuilder()
              .setId("c1")
              .setType(ContainerEventType.CONTAINER_DELETED_EVENT)
              .setStatus(exited)
              .build());
      until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (source.exit("c1").isPresent() && System.nanoTime() < until) {
        Thread.sleep(20);
      }
      assertThat(source.exit("c1")).as("forgotten once deleted").isEmpty();
      assertThat(reconciles.poll(200, TimeUnit.MILLISECONDS))
          .as("a deletion after the exit is no news")
          .isNull();
    } finally {
      source.stop();
    }
  }
}
