package io.sifkube.operator.image;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.grpc.StatusRuntimeException;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import io.sifkube.api.v1alpha1.SifImage;
import io.sifkube.api.v1alpha1.SifImageStatus;
import io.sifkube.api.v1alpha1.SifImageStatus.CacheState;
import io.sifkube.api.v1alpha1.SifNode;
import io.sifkube.node.v1.AuthConfig;
import io.sifkube.node.v1.Image;
import io.sifkube.node.v1.SignaturePolicy;
import io.sifkube.node.v1.Verification;
import io.sifkube.operator.StatusPatch;
import io.sifkube.operator.nodes.SifletClients;
import io.sifkube.operator.run.Conditions;
import io.sifkube.operator.run.Kstatus;
import io.sifkube.operator.run.Scheduler;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.stream.Collectors;

/**
 * Resolves a {@link SifImage} to a manifest digest through a siflet and, with {@code prePull},
 * caches it on every Ready SifNode matching the selector, reporting each node's state and a pull's
 * progress. Conditions: {@code Resolved} (the digest is known) and {@code Ready} (cached on every
 * node that should have it). Nodes come from an informer: a node that becomes Ready, or changes
 * labels, wakes the images; nothing is listed or polled, and a settled image costs no API request.
 * Pulls run on their own threads ({@link PrePulls}), in parallel across nodes; a failed one is
 * tried again after {@link #RETRY}.
 */
@ControllerConfiguration(name = "sifimage")
public final class SifImageReconciler implements Reconciler<SifImage>, AutoCloseable {

  static final Duration RETRY = Duration.ofSeconds(30);
  private static final StatusPatch<SifImage, SifImageStatus> STATUS =
      new StatusPatch<>(SifImageStatus.class);
  private static final Duration WHILE_PULLING = Duration.ofSeconds(2);

  private final KubernetesClient client;
  private final SifletClients siflets;
  private final PrePulls pulls = new PrePulls(8);
  private InformerEventSource<SifNode, SifImage> nodes;

  public SifImageReconciler(KubernetesClient client, SifletClients siflets) {
    this.client = client;
    this.siflets = siflets;
  }

  @Override
  public List<EventSource<?, SifImage>> prepareEventSources(EventSourceContext<SifImage> context) {
    var images = context.getPrimaryCache();
    nodes =
        new InformerEventSource<>(
            InformerEventSourceConfiguration.from(SifNode.class, SifImage.class)
                .withSecondaryToPrimaryMapper(
                    n -> images.list().map(ResourceID::fromResource).collect(Collectors.toSet()))
                .withOnUpdateFilter(SifImageReconciler::placementChanged)
                .build(),
            context);
    return List.of(nodes);
  }

  /** Readiness, labels or address: what decides where an image goes and how it gets there. */
  private static boolean placementChanged(SifNode o, SifNode n) {
    return Scheduler.isReady(o) != Scheduler.isReady(n)
        || !Objects.equals(o.getMetadata().getLabels(), n.getMetadata().getLabels())
        || !Objects.equals(o.getSpec(), n.getSpec());
  }

  @Override
  public UpdateControl<SifImage> reconcile(SifImage img, Context<SifImage> context) {
    if (img.getStatus() == null) {
      img.setStatus(new SifImageStatus());
    }
    SifImageStatus s = img.getStatus();
    JsonNode was = STATUS.tree(s);
    Long gen = img.getMetadata().getGeneration();
    String uid = img.getMetadata().getUid();
    if (s.observedGeneration != null && !s.observedGeneration.equals(gen)) {
      s.nodes = new ArrayList<>(); // the source changed: every cached copy is out of date
      s.manifestDigest = null;
    }
    s.observedGeneration = gen;
    pulls.keepOnly(
        context
            .getPrimaryCache()
            .list()
            .map(i -> i.getMetadata().getUid())
            .collect(Collectors.toSet()),
        uid,
        gen);
    List<SifNode> ready = nodes.list().filter(Scheduler::isReady).toList();
    List<SifNode> targets = targets(img, ready);
    if (targets.isEmpty() && s.manifestDigest == null) {
      Conditions.set(
          s.conditions, "Resolved", false, "NoReadyNode", "no Ready SifNode to resolve on", gen);
      Conditions.set(s.conditions, "Ready", false, "NoReadyNode", "waiting for a node", gen);
      return patchIfChanged(img, was, context); // a node that becomes Ready wakes this image
    }
    AuthConfig auth = null;
    SignaturePolicy policy = null;
    boolean pulling = false;
    if (img.getSpec().verify == null) {
      s.signers = null;
      s.conditions.removeIf(c -> c.getType().equals("Verified"));
    }
    for (SifNode n : targets) {
      String name = n.getMetadata().getName();
      if (state(s, name) == CacheState.Cached) {
        continue;
      }
      PrePulls.Key key = new PrePulls.Key(uid, gen, name);
      PrePulls.Pull p = pulls.get(key);
      if (p != null && p.waiting(RETRY)) {
        continue; // failed a moment ago: tried again after RETRY
      }
      if (p != null && p.failedAt != null) {
        pulls.taken(key);
        p = null;
      }
      if (p == null) {
        if (auth == null) {
          try {
            auth = PullSecrets.forImage(client, img); // read only when a pull needs it
            policy = SignaturePolicies.forImage(client, img);
          } catch (IllegalArgumentException e) {
            if (e.getMessage().startsWith("spec.verify")
                || e.getMessage().contains(" holds no key")
                || e.getMessage().contains("is not a PEM")) {
              Conditions.set(s.conditions, "Verified", false, "KeysInvalid", e.getMessage(), gen);
              Conditions.set(s.conditions, "Ready", false, "KeysInvalid", e.getMessage(), gen);
              return patchIfChanged(img, was, context).rescheduleAfter(RETRY);
            }
            Conditions.set(
                s.conditions, "Resolved", false, "PullSecretInvalid", e.getMessage(), gen);
            Conditions.set(s.conditions, "Ready", false, "PullSecretInvalid", e.getMessage(), gen);
            return patchIfChanged(img, was, context).rescheduleAfter(RETRY);
          }
        }
        AuthConfig a = auth;
        SignaturePolicy v = policy;
        String address = n.getSpec().address;
        String source = img.getSpec().source;
        p = pulls.start(key, progress -> () -> siflets.pull(address, source, a, v, progress));
      }
      if (!p.done()) {
        pulling = true;
        setNode(s, name, CacheState.Pulling, p.progress);
        continue;
      }
      try {
        Image pulled = p.result.get();
        pulls.taken(key);
        s.manifestDigest = pulled.getManifestDigest();
        s.size = pulled.getSize();
        s.entrypoint = pulled.getConfig().getEntrypointList();
        s.cmd = pulled.getConfig().getCmdList();
        // an empty USER (root) is left out: "" would reach the API server as null
        s.user = pulled.getConfig().getUser().isEmpty() ? null : pulled.getConfig().getUser();
        if (pulled.hasVerification()) {
          verified(s, pulled.getVerification(), gen);
        }
        setNode(s, name, CacheState.Cached, null);
      } catch (ExecutionException e) {
        p.failedAt = java.time.Instant.now();
        setNode(s, name, CacheState.Failed, why(e.getCause()));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return UpdateControl.noUpdate();
      }
    }
    boolean resolved = s.manifestDigest != null;
    boolean allCached =
        targets.stream().allMatch(n -> state(s, n.getMetadata().getName()) == CacheState.Cached);
    var check = Conditions.get(s.conditions, "Verified");
    if (SignaturePolicies.required(img) && check != null && check.getStatus().equals("False")) {
      Conditions.set(s.conditions, "Ready", false, "VerificationFailed", check.getMessage(), gen);
      return patchIfChanged(img, was, context);
    }
    String failed = failures(s);
    Conditions.set(
        s.conditions,
        "Resolved",
        resolved,
        resolved ? "Resolved" : pulling ? "Pulling" : "PullFailed",
        resolved ? img.getSpec().source + " is " + s.manifestDigest : failed,
        gen);
    Conditions.set(
        s.conditions,
        "Ready",
        allCached && resolved,
        allCached && resolved ? "Cached" : pulling ? "Pulling" : "PullFailed",
        allCached && resolved ? "cached on " + targets.size() + " node(s)" : failed,
        gen);
    UpdateControl<SifImage> c = patchIfChanged(img, was, context);
    if (pulling) {
      return c.rescheduleAfter(WHILE_PULLING); // collect the results; no API request unless changed
    }
    return allCached ? c : c.rescheduleAfter(RETRY);
  }

  /** The Verified condition and signers from a pull's signature check. */
  private static void verified(SifImageStatus s, Verification v, Long gen) {
    s.signers = new java.util.ArrayList<>();
    for (var signer : v.getSignersList()) {
      SifImageStatus.Signer out = new SifImageStatus.Signer();
      out.kind = signer.getKind();
      out.id = signer.getId();
      out.name = signer.getName().isEmpty() ? null : signer.getName();
      s.signers.add(out);
    }
    Conditions.set(
        s.conditions,
        "Verified",
        v.getVerified(),
        v.getVerified() ? "Verified" : "VerificationFailed",
        v.getVerified()
            ? "signed by "
                + String.join(
                    ", ", v.getSignersList().stream().map(x -> x.getId()).distinct().toList())
            : v.getError(),
        gen);
  }

  private static UpdateControl<SifImage> patchIfChanged(
      SifImage img, JsonNode was, Context<SifImage> context) {
    Kstatus.forImage(img.getStatus(), img.getMetadata().getGeneration());
    STATUS.writeIfChanged(img, was, context);
    return UpdateControl.noUpdate();
  }

  private static String why(Throwable t) {
    if (t instanceof StatusRuntimeException e) {
      return e.getStatus().getCode() + ": " + e.getStatus().getDescription();
    }
    return String.valueOf(t.getMessage());
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
        .orElse(
            s.nodes.stream().anyMatch(n -> n.state == CacheState.Pulling)
                ? "pulling"
                : "not pulled yet");
  }

  @Override
  public void close() {
    pulls.close();
  }
}
