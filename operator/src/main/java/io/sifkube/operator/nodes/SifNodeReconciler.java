package io.sifkube.operator.nodes;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import io.sifkube.api.v1alpha1.SifNode;
import io.sifkube.api.v1alpha1.SifNodeStatus;
import io.sifkube.operator.StatusPatch;
import io.sifkube.operator.run.Conditions;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;

/**
 * Turns a SifNode's {@code Ready} condition False when its siflet stops renewing its Lease ({@code
 * sifnode-NAME} in the lease namespace), as the node lifecycle controller does for Nodes, and True
 * again when a renewal comes (the siflet sets it True when it starts). Leases come from an informer
 * (a renewal wakes the node's reconcile, a timer its expiry), so watching nodes costs the API
 * server no request.
 */
@ControllerConfiguration(name = "sifnode")
public final class SifNodeReconciler implements Reconciler<SifNode> {

  private static final String PREFIX = "sifnode-";
  private static final StatusPatch<SifNode, SifNodeStatus> STATUS =
      new StatusPatch<>(SifNodeStatus.class);

  private final String leaseNamespace;
  private final OrphanSweeper sweeper;
  private InformerEventSource<Lease, SifNode> leases;

  public SifNodeReconciler(SifletClients siflets, String leaseNamespace, RunLookup runs) {
    this.leaseNamespace = leaseNamespace;
    this.sweeper = new OrphanSweeper(siflets, runs);
  }

  @Override
  public List<EventSource<?, SifNode>> prepareEventSources(EventSourceContext<SifNode> context) {
    leases =
        new InformerEventSource<>(
            InformerEventSourceConfiguration.from(Lease.class, SifNode.class)
                .withNamespaces(Set.of(leaseNamespace))
                .withSecondaryToPrimaryMapper(
                    l ->
                        l.getMetadata().getName().startsWith(PREFIX)
                            ? Set.of(
                                new ResourceID(
                                    l.getMetadata().getName().substring(PREFIX.length())))
                            : Set.of())
                .build(),
            context);
    return List.of(leases);
  }

  @Override
  public UpdateControl<SifNode> reconcile(SifNode node, Context<SifNode> context) {
    String name = node.getMetadata().getName();
    Lease lease = leases.get(new ResourceID(leaseName(name), leaseNamespace)).orElse(null);
    Instant expires = expiry(lease);
    if (node.getStatus() == null) {
      node.setStatus(new SifNodeStatus());
    }
    // The siflet writes the rest of the status (runtime, capacity, devices, images), perhaps after
    // the copy this reconcile started from: only the conditions changed here are sent, as a merge
    // patch. JOSDK's patchStatus sent a JSON patch of the whole difference without a version, so
    // that a copy without a status replaced the status the siflet had written meanwhile (HelmNodeIT
    // saw a Ready SifNode with no runtime, 2026-12-07).
    JsonNode was = STATUS.tree(node.getStatus());
    if (expires != null && Instant.now().isBefore(expires)) {
      sweeper.sweep(node);
      Duration untilExpiry = Duration.between(Instant.now(), expires).plusMillis(200);
      Duration next =
          untilExpiry.compareTo(OrphanSweeper.EVERY) < 0 ? untilExpiry : OrphanSweeper.EVERY;
      if (Conditions.isTrue(node.getStatus().conditions, "Ready")
          || node.getStatus().conditions.stream().noneMatch(c -> c.getType().equals("Ready"))) {
        return UpdateControl.<SifNode>noUpdate().rescheduleAfter(next);
      }
      // Renewed after we marked it NotReady (the siflet came back): Ready again, from here, so
      // that the siflet's heartbeat stays one Lease update and never reads its SifNode.
      Conditions.set(
          node.getStatus().conditions,
          "Ready",
          true,
          "LeaseRenewed",
          "siflet renewed its lease at " + lease.getSpec().getRenewTime(),
          node.getMetadata().getGeneration());
      STATUS.writeIfChanged(node, was, context);
      return UpdateControl.<SifNode>noUpdate().rescheduleAfter(next);
    }
    if (node.getStatus().conditions.stream()
        .anyMatch(c -> c.getType().equals("Ready") && "False".equals(c.getStatus()))) {
      // already NotReady: the next renewal's event wakes this reconcile, nothing to poll
      return UpdateControl.noUpdate();
    }
    Conditions.set(
        node.getStatus().conditions,
        "Ready",
        false,
        "NodeLeaseExpired",
        lease == null
            ? "no lease " + leaseName(name) + " in " + leaseNamespace
            : "siflet stopped renewing its lease at " + expires,
        node.getMetadata().getGeneration());
    STATUS.writeIfChanged(node, was, context);
    return UpdateControl.noUpdate();
  }

  /** The Lease a siflet renews for its SifNode. */
  public static String leaseName(String node) {
    return PREFIX + node;
  }

  private static Instant expiry(Lease lease) {
    if (lease == null
        || lease.getSpec() == null
        || lease.getSpec().getRenewTime() == null
        || lease.getSpec().getLeaseDurationSeconds() == null) {
      return null;
    }
    return lease
        .getSpec()
        .getRenewTime()
        .toInstant()
        .plusSeconds(lease.getSpec().getLeaseDurationSeconds());
  }
}
