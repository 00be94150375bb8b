package io.sifkube.operator.run;

import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.inbound.SimpleInboundEventSource;
import io.sifkube.api.v1alpha1.SifRun;
import io.sifkube.node.v1.ContainerEvent;
import io.sifkube.node.v1.ContainerEventType;
import io.sifkube.node.v1.ContainerState;
import io.sifkube.node.v1.ContainerStatus;
import io.sifkube.node.v1.GetContainerEventsRequest;
import io.sifkube.node.v1.ListContainersRequest;
import io.sifkube.operator.nodes.SifletClients;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows the {@code GetContainerEvents} stream of every Ready node's siflet and reconciles a run
 * as soon as its container stops or goes, instead of polling each running container.
 *
 * <p>Only stops, and deletions of containers that had not stopped, matter: creation and start are
 * the operator's own doing, and the streams ask for nothing else. A stop event carries the
 * container's final status and the end of its output, which are kept until the run's reconcile
 * takes them ({@link #exit}), so that recording an exit costs no ContainerStatus or ContainerLogs
 * call. A stream that breaks is reopened on the next look (every 2 s); on (re)opening, runs whose
 * containers ended meanwhile are reconciled from a {@code ListContainers} of the node, so an exit
 * is never missed.
 */
final class ContainerEventSource extends SimpleInboundEventSource<SifRun> {

  private static final Logger LOG = LoggerFactory.getLogger(ContainerEventSource.class);
  static final String RUN_NAMESPACE = "sifkube.io/run-namespace";
  static final String RUN_NAME = "sifkube.io/run-name";

  private final SifletClients clients;
  private final Supplier<Set<String>> addresses;
  private final Map<String, ClientCallStreamObserver<?>> streams = new ConcurrentHashMap<>();
  private final Exits exits = new Exits();
  private ScheduledExecutorService ticker;

  /**
   * @param clients the siflet connections
   * @param addresses the gRPC addresses of the nodes to follow (the Ready SifNodes)
   */
  ContainerEventSource(SifletClients clients, Supplier<Set<String>> addresses) {
    super("container-events");
    this.clients = clients;
    this.addresses = addresses;
  }

  @Override
  public synchronized void start() {
    super.start();
    ticker =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "container-events");
              t.setDaemon(true);
              return t;
            });
    ticker.scheduleWithFixedDelay(this::follow, 0, 2, TimeUnit.SECONDS);
  }

  @Override
  public synchronized void stop() {
    if (ticker != null) {
      ticker.shutdownNow();
    }
    streams.values().forEach(s -> s.cancel("operator stopping", null));
    streams.clear();
    super.stop();
  }

  /** Opens a stream to each address that has none, and closes those of nodes gone. */
  private void follow() {
    try {
      Set<String> want = addresses.get();
      streams.keySet().removeIf(a -> !want.contains(a) && cancel(a));
      for (String a : want) {
        if (!streams.containsKey(a)) {
          open(a);
        }
      }
    } catch (RuntimeException e) {
      LOG.warn("following container events: {}", e.toString());
    }
  }

  private boolean cancel(String address) {
    ClientCallStreamObserver<?> s = streams.get(address);
    if (s != null) {
      s.cancel("node no longer Ready", null);
    }
    return true;
  }

  private void open(String address) {
    LOG.info("following container events of the siflet at {}", address);
    var observer = new Observer(address);
    // The stream has no deadline: it lives as long as the node answers.
    clients
        .runtime(address)
        .getContainerEvents(
            GetContainerEventsRequest.newBuilder()
                .addTypes(ContainerEventType.CONTAINER_STOPPED_EVENT)
                .addTypes(ContainerEventType.CONTAINER_DELETED_EVENT)
                .setOutputTailBytes(NodeCalls.TAIL_BYTES)
                .build(),
            observer);
    // What ended before the stream opened: look once at the node's containers.
    try {
      for (ContainerStatus c :
          clients
              .runtime(address, 20)
              .listContainers(ListContainersRequest.getDefaultInstance())
              .getContainersList()) {
        if (c.getState() == ContainerState.CONTAINER_EXITED) {
          propagate(c);
        }
      }
    } catch (RuntimeException e) {
      LOG.debug("listing containers at {}: {}", address, e.toString());
    }
  }

  /**
   * How container {@code id} ended, from its stop event, if one came and its container has not been
   * deleted since; empty otherwise (ask the node).
   */
  Optional<Exit> exit(String id) {
    return exits.get(id);
  }

  /** A container's final status, and the end of its output when the event carried it. */
  record Exit(ContainerStatus status, Optional<String> outputTail) {
    static Exit of(ContainerEvent e) {
      return new Exit(
          e.getStatus(),
          e.hasOutputTail()
              ? Optional.of(e.getOutputTail().toString(StandardCharsets.UTF_8))
              : Optional.empty());
    }
  }

  /**
   * The exits not yet deleted, by container ID. A container is deleted soon after its exit is
   * recorded, which drops its entry; the bound only caps what containers nobody removes (a node's
   * left-overs) can hold.
   */
  private static final class Exits {
    private static final int MAX = 4096;
    private final Map<String, Exit> byId =
        new LinkedHashMap<>() {
          @Override
          protected boolean removeEldestEntry(Map.Entry<String, Exit> eldest) {
            return size() > MAX;
          }
        };

    synchronized void put(String id, Exit e) {
      byId.put(id, e);
    }

    synchronized Optional<Exit> get(String id) {
      return Optional.ofNullable(byId.get(id));
    }

    synchronized void remove(String id) {
      byId.remove(id);
    }
  }

  private void propagate(ContainerStatus c) {
    String ns = c.getLabelsMap().get(RUN_NAMESPACE);
    String name = c.getLabelsMap().get(RUN_NAME);
    if (ns != null && name != null) {
      LOG.debug("container {} of {}/{}: {}", c.getId(), ns, name, c.getState());
      propagateEvent(new ResourceID(name, ns));
    }
  }

  /** One node's stream: events become reconciles; an end or error frees the slot for a retry. */
  private final class Observer
      implements ClientResponseObserver<GetContainerEventsRequest, ContainerEvent> {
    private final String address;

    Observer(String address) {
      this.address = address;
    }

    @Override
    public void beforeStart(ClientCallStreamObserver<GetContainerEventsRequest> call) {
      streams.put(address, call);
    }

    @Override
    public void onNext(ContainerEvent e) {
      // A container deleted after it exited was already announced by its stop (and is usually
      // deleted by the run's own reconcile); one deleted while it ran is news.
      boolean stopped = e.getType() == ContainerEventType.CONTAINER_STOPPED_EVENT;
      boolean deleted = e.getType() == ContainerEventType.CONTAINER_DELETED_EVENT;
      if (stopped) {
        exits.put(e.getId(), Exit.of(e)); // before the reconcile it triggers looks for it
      } else if (deleted) {
        exits.remove(e.getId());
      }
      if (stopped || deleted && e.getStatus().getState() != ContainerState.CONTAINER_EXITED) {
        propagate(e.getStatus());
      }
    }

    @Override
    public void onError(Throwable t) {
      if (Status.fromThrowable(t).getCode() != Status.Code.CANCELLED) {
        LOG.info("container events of {} ended: {}", address, Status.fromThrowable(t));
      }
      streams.remove(address);
    }

    @Override
    public void onCompleted() {
      streams.remove(address);
    }
  }
}
