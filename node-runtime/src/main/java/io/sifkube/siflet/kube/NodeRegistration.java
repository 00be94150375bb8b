package io.sifkube.siflet.kube;

import io.fabric8.kubernetes.api.model.ConditionBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.sifkube.api.v1alpha1.SifNode;
import io.sifkube.api.v1alpha1.SifNodeSpec;
import io.sifkube.api.v1alpha1.SifNodeStatus;
import io.sifkube.node.v1.CdiDevice;
import io.sifkube.node.v1.CdiSpecError;
import io.sifkube.node.v1.NodeInfoResponse;
import io.sifkube.node.v1.VersionResponse;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Registers this siflet with the cluster as kubelet registers a Node: a cluster-scoped SifNode
 * (address, labels, versions, capacity, cached images, {@code Ready}) and a {@code
 * coordination.k8s.io} Lease {@code sifnode-NAME} renewed every quarter of its duration. The
 * operator turns Ready False when the Lease expires; each renewal turns it True again.
 */
public final class NodeRegistration implements AutoCloseable {

  private final KubernetesClient client;
  private final String name;
  private final String address;
  private final Map<String, String> labels;
  private final String leaseNamespace;
  private final int leaseSeconds;
  private final Supplier<List<String>> images;
  private final Consumer<String> log;
  private final ScheduledExecutorService timer =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "node-lease");
            t.setDaemon(true);
            return t;
          });

  public NodeRegistration(
      KubernetesClient client,
      String name,
      String address,
      Map<String, String> labels,
      String leaseNamespace,
      int leaseSeconds,
      Supplier<List<String>> images,
      Consumer<String> log) {
    this.client = client;
    this.name = name;
    this.address = address;
    this.labels = labels;
    this.leaseNamespace = leaseNamespace;
    this.leaseSeconds = leaseSeconds;
    this.images = images;
    this.log = log;
  }

  /** What this siflet reports about its node; written again when it turns Ready again. */
  private volatile SifNodeStatus mine;

  /** The Lease as last written; null: read it before the next update. */
  private volatile Lease lease;

  /** Creates or updates the SifNode, then renews the Lease until closed. */
  public void start(VersionResponse version, NodeInfoResponse info) {
    SifNodeSpec spec = new SifNodeSpec();
    spec.address = address;
    if (client.resources(SifNode.class).withName(name).get() == null) {
      SifNode node = new SifNode();
      node.setMetadata(new ObjectMetaBuilder().withName(name).withLabels(labels).build());
      node.setSpec(spec);
      client.resource(node).create();
    } else {
      // A merge patch of what we own, not an update of what we read: the operator writes the
      // same object (its Ready condition), and a read-modify-write would fail on its changes.
      SifNode patch = new SifNode();
      patch.setMetadata(new ObjectMetaBuilder().withLabels(labels).build());
      patch.setSpec(spec);
      client
          .resources(SifNode.class)
          .withName(name)
          .patch(PatchContext.of(PatchType.JSON_MERGE), Serialization.asJson(patch));
    }
    SifNodeStatus s = new SifNodeStatus();
    s.sifletVersion = version.getSifletVersion();
    s.runtime = version.getRuntimeName();
    s.runtimeVersion = version.getRuntimeVersion();
    s.arch = info.getArch();
    Map<String, Quantity> capacity =
        Map.of(
            "cpu", new Quantity(Integer.toString(info.getCpus())),
            "memory", new Quantity(Long.toString(info.getMemoryBytes())));
    s.capacity = capacity;
    s.allocatable = capacity;
    devices(s, info);
    mine = s;
    writeReady(s);
    renew();
    long every = Math.max(1000, leaseSeconds * 1000L / 4);
    timer.scheduleWithFixedDelay(this::heartbeat, every, every, TimeUnit.MILLISECONDS);
    log.accept("registered SifNode " + name + " at " + address);
  }

  /** The most spec-file errors a SifNode shows; the rest are counted. */
  static final int MAX_CDI_ERRORS = 20;

  /** Sets the device fields of {@code s} from {@code info}. */
  static void devices(SifNodeStatus s, NodeInfoResponse info) {
    s.devices = List.copyOf(info.getDevicesList());
    s.deviceCount = info.getDevicesCount();
    s.sharedDevices =
        info.getDeviceDetailsList().stream()
            .filter(d -> "true".equals(d.getAnnotationsMap().get(SifNodeStatus.SHARED_ANNOTATION)))
            .map(CdiDevice::getName)
            .toList();
    List<String> errors = new ArrayList<>();
    for (CdiSpecError e : info.getCdiErrorsList()) {
      if (errors.size() == MAX_CDI_ERRORS) {
        errors.add("... and " + (info.getCdiErrorsCount() - MAX_CDI_ERRORS) + " more");
        break;
      }
      errors.add(e.getPath() + ": " + e.getMessage());
    }
    s.cdiErrors = errors;
  }

  /**
   * The node's CDI devices changed (a spec file came, changed or went): the SifNode's device fields
   * follow, as a merge patch of those fields alone.
   */
  public synchronized void devicesChanged(NodeInfoResponse info) {
    SifNodeStatus s = mine;
    if (s == null) {
      return;
    }
    devices(s, info);
    Map<String, Object> fields = new LinkedHashMap<>();
    fields.put("devices", s.devices);
    fields.put("deviceCount", s.deviceCount);
    fields.put("sharedDevices", s.sharedDevices);
    fields.put("cdiErrors", s.cdiErrors);
    try {
      client
          .resources(SifNode.class)
          .withName(name)
          .subresource("status")
          .patch(
              PatchContext.of(PatchType.JSON_MERGE),
              Serialization.asJson(Map.of("status", fields)));
      log.accept("SifNode " + name + ": " + s.deviceCount + " CDI device(s)");
    } catch (KubernetesClientException e) {
      log.accept("updating the SifNode's devices failed: " + e.getMessage());
    }
  }

  /**
   * One Lease update, as kubelet's heartbeat: the Lease this siflet last wrote is updated in place
   * (its resourceVersion makes it safe), read again only after a conflict or an error. The operator
   * turns the SifNode Ready again when a renewal follows an expiry, so nothing else is read here.
   */
  private void heartbeat() {
    try {
      renew();
    } catch (KubernetesClientException e) {
      lease = null; // read it again next time
      log.accept("node heartbeat failed: " + e.getMessage());
    }
  }

  /** Writes {@code status} with the current images and Ready=True, as a patch (see start). */
  private void writeReady(SifNodeStatus status) {
    status.images = images.get();
    status.conditions.removeIf(c -> c.getType().equals("Ready"));
    status.conditions.add(
        new ConditionBuilder()
            .withType("Ready")
            .withStatus("True")
            .withReason("SifletReady")
            .withMessage("siflet is serving and renewing its lease")
            .withLastTransitionTime(Instant.now().toString())
            .build());
    SifNode patch = new SifNode();
    patch.setStatus(status);
    client
        .resources(SifNode.class)
        .withName(name)
        .subresource("status")
        .patch(PatchContext.of(PatchType.JSON_MERGE), Serialization.asJson(patch));
  }

  private void renew() {
    ZonedDateTime now = ZonedDateTime.now(ZoneOffset.UTC);
    String leaseName = "sifnode-" + name;
    if (lease == null) {
      lease = client.leases().inNamespace(leaseNamespace).withName(leaseName).get();
    }
    if (lease == null) {
      lease =
          client
              .leases()
              .inNamespace(leaseNamespace)
              .resource(
                  new LeaseBuilder()
                      .withNewMetadata()
                      .withName(leaseName)
                      .withNamespace(leaseNamespace)
                      .endMetadata()
                      .withNewSpec()
                      .withHolderIdentity(name)
                      .withLeaseDurationSeconds(leaseSeconds)
                      .withAcquireTime(now)
                      .withRenewTime(now)
                      .endSpec()
                      .build())
              .create();
      return;
    }
    lease.getSpec().setHolderIdentity(name);
    lease.getSpec().setLeaseDurationSeconds(leaseSeconds);
    lease.getSpec().setRenewTime(now);
    lease = client.leases().inNamespace(leaseNamespace).resource(lease).update();
  }

  /**
   * True when DaemonSet {@code daemonSet} (in the Lease namespace), whose pod this siflet is, is
   * gone or being deleted: Sifkube is being uninstalled from the node, not upgraded. Also true when
   * the API server no longer knows this siflet's service account (401): {@code helm uninstall}
   * deletes it right after the DaemonSet, before the pods stop. Anything else (403, no answer)
   * counts as "still there": then containers run on, which an upgrade needs and no uninstall harms.
   */
  public boolean daemonSetGone(String daemonSet) {
    try {
      var ds = client.apps().daemonSets().inNamespace(leaseNamespace).withName(daemonSet).get();
      return ds == null || ds.getMetadata().getDeletionTimestamp() != null;
    } catch (KubernetesClientException e) {
      return e.getCode() == 401;
    }
  }

  /** Stops renewing (the Lease then expires and the operator marks the node NotReady). */
  @Override
  public void close() {
    timer.shutdownNow();
  }
}
