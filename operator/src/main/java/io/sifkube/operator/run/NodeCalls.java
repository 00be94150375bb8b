package io.sifkube.operator.run;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.sifkube.node.v1.AuthConfig;
import io.sifkube.node.v1.ContainerConfig;
import io.sifkube.node.v1.ContainerLogsRequest;
import io.sifkube.node.v1.ContainerState;
import io.sifkube.node.v1.ContainerStatus;
import io.sifkube.node.v1.ContainerStatusRequest;
import io.sifkube.node.v1.CreateContainerRequest;
import io.sifkube.node.v1.InjectedDevice;
import io.sifkube.node.v1.LogEntry;
import io.sifkube.node.v1.RemoveContainerRequest;
import io.sifkube.node.v1.StartContainerRequest;
import io.sifkube.node.v1.StopContainerRequest;
import io.sifkube.operator.nodes.SifletClients;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** What the run reconciler asks of one siflet: pull, create and start, look, read, stop. */
final class NodeCalls {

  /** The most output kept in a run's status. */
  static final int TAIL_BYTES = 4096;

  private final SifletClients clients;
  private final String address;

  NodeCalls(SifletClients clients, String address) {
    this.clients = clients;
    this.address = address;
  }

  /** The node's gRPC address. */
  String address() {
    return address;
  }

  /** Pulls {@code source} on the node; returns the manifest digest. */
  String pull(String source, AuthConfig auth) {
    return clients.pull(address, source, auth).getManifestDigest();
  }

  /** Pulls {@code source}, checking its signatures when {@code verify} is given. */
  io.sifkube.node.v1.Image pull(
      String source, AuthConfig auth, io.sifkube.node.v1.SignaturePolicy verify) {
    return clients.pull(address, source, auth, verify, p -> {});
  }

  /**
   * A container created and started.
   *
   * @param exited the container already existed and has already exited (an earlier reconcile of
   *     this attempt started it, and its exit event may have come and gone)
   * @param devices the CDI devices injected into it
   */
  record Launched(boolean exited, List<InjectedDevice> devices) {}

  /**
   * Creates (idempotently: the ID names the attempt) and starts the container, in one call: the
   * request's {@code start}.
   */
  Launched createAndStart(String id, ContainerConfig config, Map<String, String> labels) {
    ContainerStatus made = create(id, config, labels, true);
    List<InjectedDevice> devices = made.getDevicesList();
    if (made.getState() == ContainerState.CONTAINER_CREATED) {
      start(id); // a siflet older than CreateContainer's start ignored it
    }
    return new Launched(made.getState() == ContainerState.CONTAINER_EXITED, devices);
  }

  /**
   * Creates the container (idempotently: an existing one with this ID is returned as it stands) but
   * does not start it: a gang's ranks are all created before any starts.
   */
  ContainerStatus create(String id, ContainerConfig config, Map<String, String> labels) {
    return create(id, config, labels, false);
  }

  private ContainerStatus create(
      String id, ContainerConfig config, Map<String, String> labels, boolean start) {
    return clients
        .runtime(address, 120)
        .createContainer(
            CreateContainerRequest.newBuilder()
                .setId(id)
                .setConfig(config)
                .putAllLabels(labels)
                .setStart(start)
                .build())
        .getStatus();
  }

  /** Starts a created container. */
  void start(String id) {
    clients
        .runtime(address, 120)
        .startContainer(StartContainerRequest.newBuilder().setId(id).build());
  }

  /** The container's status, or empty when the node does not know it. */
  Optional<ContainerStatus> status(String id) {
    try {
      return Optional.of(
          clients
              .runtime(address, 20)
              .containerStatus(ContainerStatusRequest.newBuilder().setId(id).build())
              .getStatus());
    } catch (StatusRuntimeException e) {
      if (e.getStatus().getCode() == Status.Code.NOT_FOUND) {
        return Optional.empty();
      }
      throw e;
    }
  }

  /** The last lines of output, at most {@link #TAIL_BYTES}. */
  String tail(String id) {
    StringBuilder b = new StringBuilder();
    Iterator<LogEntry> lines =
        clients
            .runtime(address, 30)
            .containerLogs(ContainerLogsRequest.newBuilder().setId(id).setTailLines(100).build());
    while (lines.hasNext()) {
      LogEntry l = lines.next();
      b.append(l.getLine().toString(StandardCharsets.UTF_8));
      if (!l.getPartial()) {
        b.append('\n');
      }
    }
    if (b.length() <= TAIL_BYTES) {
      return b.toString();
    }
    String t = b.substring(b.length() - TAIL_BYTES);
    int nl = t.indexOf('\n');
    return nl >= 0 && nl < t.length() - 1 ? t.substring(nl + 1) : t;
  }

  /** Stops (TERM, then KILL after {@code seconds}) and removes the container; gone is fine. */
  void stopAndRemove(String id, long seconds) {
    var rt = clients.runtime(address, seconds + 60);
    try {
      rt.stopContainer(
          StopContainerRequest.newBuilder().setId(id).setTimeoutSeconds(seconds).build());
    } catch (StatusRuntimeException e) {
      if (e.getStatus().getCode() != Status.Code.NOT_FOUND) {
        throw e;
      }
    }
    rt.removeContainer(RemoveContainerRequest.newBuilder().setId(id).build());
  }

  /** Removes the container (siflet kills it first if it still runs); gone is fine. */
  void remove(String id) {
    clients
        .runtime(address, 60)
        .removeContainer(RemoveContainerRequest.newBuilder().setId(id).build());
  }

  /**
   * The node refused a create because it does not have the image (siflet answers NOT_FOUND naming
   * {@code config.image}).
   */
  static boolean imageGone(StatusRuntimeException e) {
    String d = e.getStatus().getDescription();
    return e.getStatus().getCode() == Status.Code.NOT_FOUND
        && d != null
        && d.startsWith("config.image:");
  }

  static boolean unreachable(StatusRuntimeException e) {
    return e.getStatus().getCode() == Status.Code.UNAVAILABLE
        || e.getStatus().getCode() == Status.Code.DEADLINE_EXCEEDED;
  }
}
