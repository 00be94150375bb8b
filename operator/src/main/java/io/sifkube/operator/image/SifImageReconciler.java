package io.sifkube.operator.image;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.grpc.StatusRuntimeException;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.sifkube.api.v1alpha1.SifImage;
import io.sifkube.api.v1alpha1.SifImageStatus;
import io.sifkube.api.v1alpha1.SifImageStatus.CacheState;
import io.sifkube.api.v1alpha1.SifNode;
import io.sifkube.node.v1.AuthConfig;
import io.sifkube.node.v1.Image;
import io.sifkube.operator.nodes.SifletClients;
import io.sifkube.operator.run.Conditions;
import io.sifkube.operator.run.Scheduler;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Resolves a {@link SifImage} to a manifest digest through a siflet and, with {@code prePull},
 * caches it on every Ready SifNode matching the selector, reporting each node's state. Conditions:
 * {@code Resolved} (the digest is known) and {@code Ready} (cached on every node that should have
 * it). New nodes are noticed on the next look, every 30 s.
 */
@ControllerConfiguration(name = "sifimage")
public final class SifImageReconciler implements Reconciler<SifImage> {

  private static final Duration LOOK_AGAIN = Duration.ofSeconds(30);

  private final KubernetesClient client;
  private final SifletClients siflets;

  public SifImageReconciler(KubernetesClient client, SifletClients siflets) {
    this.client = client;
    this.siflets = siflets;
  }

  @Override
  public UpdateControl<SifImage> reconcile(SifImage img, Context<SifImage> context) {
    if (img.getStatus() == null) {
      img.setStatus(new SifImageStatus());
    }
    SifImageStatus s = img.getStatus();
    Long gen = img.getMetadata().getGeneration();
    if (s.observedGeneration != null && !s.observedGeneration.equals(gen)) {
      s.nodes = new ArrayList<>(); // the source changed: every cached copy is out of date
      s.manifestDigest = null;
    }
    s.observedGeneration = gen;
    AuthConfig auth;
    try {
      auth = PullSecrets.forImage(client, img);
    } catch (IllegalArgumentException e) {
      Conditions.set(s.conditions, "Resolved", false, "PullSecretInvalid", e.getMessage(), gen);
      Conditions.set(s.conditions, "Ready", false, "PullSecretInvalid", e.getMessage(), gen);
      return UpdateControl.patchStatus(img).rescheduleAfter(LOOK_AGAIN);
    }
    List<SifNode> ready =
        client.resources(SifNode.class).list().getItems().stream()
            .filter(Scheduler::isReady)
            .toList();
    List<SifNode> targets = targets(img, ready);
    if (targets.isEmpty() && s.manifestDigest == null) {
      Conditions.set(
          s.conditions, "Resolved", false, "NoReadyNode", "no Ready SifNode to resolve on", gen);
      Conditions.set(s.conditions, "Ready", false, "NoReadyNode", "waiting for a node", gen);
      return UpdateControl.patchStatus(img).rescheduleAfter(Duration.ofSeconds(10));
    }
    boolean allCached = true;
    for (SifNode n : targets) {
      String name = n.getMetadata().getName();
      if (state(s, name) == CacheState.Cached) {
        continue;
      }
      try {
        Image pulled = siflets.pull(n.getSpec().address, img.getSpec().source, auth);
        s.manifestDigest = pulled.getManifestDigest();
        s.size = pulled.getSize();
        s.entrypoint = pulled.getConfig().getEntrypointList();
        s.cmd = pulled.getConfig().getCmdList();
        // an empty USER (root) is left out: "" would reach the API server as null
        s.user = pulled.getConfig().getUser().isEmpty() ? null : pulled.getConfig().getUser();
        setNode(s, name, CacheState.Cached, null);
      } catch (StatusRuntimeException e) {
        allCached = false;
        setNode(
            s,
            name,
            CacheState.Failed,
            e.getStatus().getCode() + ": " + e.getStatus().getDescription());
      }
    }
    boolean resolved = s.manifestDigest != null;
    String failed = failures(s);
    Conditions.set(
        s.conditions,
        "Resolved",
        resolved,
        resolved ? "Resolved" : "PullFailed",
        resolved ? img.getSpec().source + " is " + s.manifestDigest : failed,
        gen);
    boolean isReady = resolved && allCached;
    Conditions.set(
        s.conditions,
        "Ready",
        isReady,
        isReady ? "Cached" : "PullFailed",
        isReady ? "cached on " + targets.size() + " node(s)" : failed,
        gen);
    return UpdateControl.patchStatus(img).rescheduleAfter(LOOK_AGAIN);
  }

  /** Nodes that should hold the image: matching prePull's selector, or one to resolve on. */
  private static List<SifNode> targets(SifImage img, List<SifNode> ready) {
    if (img.getSpec().prePull == null) {
      return img.getStatus().manifestDigest == null && !ready.isEmpty()
          ? List.of(ready.get(0))
          : List.of();
    }
    Map<String, String> sel =
        img.getSpec().prePull.nodeSelector == null ? Map.of() : img.getSpec().prePull.nodeSelector;
    return ready.stream()
        .filter(
            n -> {
              Map<String, String> l =
                  n.getMetadata().getLabels() == null ? Map.of() : n.getMetadata().getLabels();
              return sel.entrySet().stream().allMatch(e -> e.getValue().equals(l.get(e.getKey())));
            })
        .toList();
  }

  private static CacheState state(SifImageStatus s, String node) {
    return s.nodes.stream()
        .filter(n -> n.node.equals(node))
        .map(n -> n.state)
        .findFirst()
        .orElse(null);
  }

  private static void setNode(SifImageStatus s, String node, CacheState state, String message) {
    s.nodes.removeIf(n -> n.node.equals(node));
    SifImageStatus.NodeCache c = new SifImageStatus.NodeCache();
    c.node = node;
    c.state = state;
    c.message = message;
    s.nodes.add(c);
    s.nodes.sort((a, b) -> a.node.compareTo(b.node));
  }

  private static String failures(SifImageStatus s) {
    return s.nodes.stream()
        .filter(n -> n.state == CacheState.Failed)
        .map(n -> n.node + ": " + n.message)
        .reduce((a, b) -> a + "; " + b)
        .orElse("not pulled yet");
  }
}
