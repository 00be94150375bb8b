package io.sifkube.operator.nodes;

import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.sifkube.api.v1alpha1.SifNode;
import io.sifkube.api.v1alpha1.SifNodeStatus;
import io.sifkube.operator.run.Conditions;
import java.time.Duration;
import java.time.Instant;

/**
 * Turns a SifNode's {@code Ready} condition False when its siflet stops renewing its Lease ({@code
 * sifnode-NAME} in the lease namespace), as the node lifecycle controller does for Nodes. The
 * siflet itself sets Ready True when it renews.
 */
@ControllerConfiguration(name = "sifnode")
public final class SifNodeReconciler implements Reconciler<SifNode> {

  private final KubernetesClient client;
  private final String leaseNamespace;
  private final OrphanSweeper sweeper;

  public SifNodeReconciler(KubernetesClient client, SifletClients siflets, String leaseNamespace) {
    this.client = client;
    this.leaseNamespace = leaseNamespace;
    this.sweeper = new OrphanSweeper(client, siflets);
  }

  @Override
  public UpdateControl<SifNode> reconcile(SifNode node, Context<SifNode> context) {
    String name = node.getMetadata().getName();
    Lease lease = client.leases().inNamespace(leaseNamespace).withName(leaseName(name)).get();
    Instant expires = expiry(lease);
    if (expires != null && Instant.now().isBefore(expires)) {
      sweeper.sweep(node);
      Duration untilExpiry = Duration.between(Instant.now(), expires).plusMillis(200);
      return UpdateControl.<SifNode>noUpdate()
          .rescheduleAfter(
              untilExpiry.compareTo(OrphanSweeper.EVERY) < 0 ? untilExpiry : OrphanSweeper.EVERY);
    }
    if (node.getStatus() == null) {
      node.setStatus(new SifNodeStatus());
    }
    if (!Conditions.isTrue(node.getStatus().conditions, "Ready")
        && node.getStatus().conditions.stream().anyMatch(c -> c.getType().equals("Ready"))) {
      return UpdateControl.<SifNode>noUpdate().rescheduleAfter(Duration.ofSeconds(5));
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
    return UpdateControl.patchStatus(node).rescheduleAfter(Duration.ofSeconds(5));
  }

  /** The Lease a siflet renews for its SifNode. */
  public static String leaseName(String node) {
    return "sifnode-" + node;
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
