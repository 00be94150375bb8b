package io.sifkube.operator.nodes;

import io.grpc.StatusRuntimeException;
import io.sifkube.api.v1alpha1.SifNode;
import io.sifkube.api.v1alpha1.SifRun;
import io.sifkube.api.v1alpha1.SifRunStatus;
import io.sifkube.node.v1.ContainerStatus;
import io.sifkube.node.v1.ListContainersRequest;
import io.sifkube.node.v1.RemoveContainerRequest;
import io.sifkube.node.v1.StopContainerRequest;
import io.sifkube.node.v1.grpc.RuntimeServiceApi;
import java.time.Duration;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Removes containers a node still holds for runs that no longer want them: the attempt of a run
 * that was rescheduled while its node was lost (the node comes back with it still running), or of a
 * run deleted while its node was down. Containers younger than {@link #MIN_AGE} are left alone: the
 * run reconciler creates a container before it records it in the run's status. Runs are looked up
 * in the run controller's cache: a sweep is gRPC calls to the node and no API request.
 */
final class OrphanSweeper {

  static final Duration EVERY = Duration.ofSeconds(15);
  static final Duration MIN_AGE = Duration.ofSeconds(30);
  private static final Logger LOG = LoggerFactory.getLogger(OrphanSweeper.class);

  private final SifletClients siflets;
  private final RunLookup runs;

  OrphanSweeper(SifletClients siflets, RunLookup runs) {
    this.siflets = siflets;
    this.runs = runs;
  }

  void sweep(SifNode node) {
    if (node.getSpec() == null || node.getSpec().address == null) {
      return;
    }
    String name = node.getMetadata().getName();
    RuntimeServiceApi.Client rt = siflets.runtime(node.getSpec().address, 30);
    try {
      for (ContainerStatus c :
          rt.listContainers(ListContainersRequest.getDefaultInstance()).getContainersList()) {
        String ns = c.getLabelsMap().get("sifkube.io/run-namespace");
        String run = c.getLabelsMap().get("sifkube.io/run-name");
        if (ns == null || run == null || young(c)) {
          continue;
        }
        SifRun r = runs.get(ns, run).orElse(null);
        boolean wanted =
            r != null
                && r.getMetadata().getUid().equals(c.getLabelsMap().get("sifkube.io/run-uid"))
                && r.getStatus() != null
                && (name.equals(r.getStatus().node) && c.getId().equals(r.getStatus().containerID)
                    || isRankOf(r, name, c.getId()));
        if (!wanted) {
          LOG.info("removing container {} on {}: its run {}/{} moved on", c.getId(), name, ns, run);
          rt.stopContainer(
              StopContainerRequest.newBuilder().setId(c.getId()).setTimeoutSeconds(5).build());
          rt.removeContainer(RemoveContainerRequest.newBuilder().setId(c.getId()).build());
        }
      }
    } catch (StatusRuntimeException e) {
      LOG.warn("cannot sweep {}: {}", name, e.getStatus());
    } catch (IllegalStateException e) {
      LOG.debug("not sweeping {} yet: {}", name, e.getMessage()); // the run cache is starting
    }
  }

  /**
   * Whether the container is one of the running attempt's ranks on this node. The ranks of an
   * attempt that ended stay in status to be read, but none of them is wanted any more (one left on
   * a node that was lost then came back still runs).
   */
  private static boolean isRankOf(SifRun r, String node, String id) {
    var phase = r.getStatus().phase;
    boolean active =
        phase == SifRunStatus.Phase.Scheduled
            || phase == SifRunStatus.Phase.Pulling
            || phase == SifRunStatus.Phase.Running;
    return active
        && r.getStatus().ranks != null
        && r.getStatus().ranks.stream()
            .anyMatch(k -> node.equals(k.node) && id.equals(k.containerID));
  }

  private static boolean young(ContainerStatus c) {
    if (!c.hasCreatedAt()) {
      return true;
    }
    Instant created = Instant.ofEpochSecond(c.getCreatedAt().getSeconds());
    return Instant.now().isBefore(created.plus(MIN_AGE));
  }
}
