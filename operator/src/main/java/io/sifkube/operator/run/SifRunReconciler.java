package io.sifkube.operator.run;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Cleaner;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.DeleteControl;
import io.javaoperatorsdk.operator.api.reconciler.ErrorStatusUpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.IndexerResourceCache;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import io.sifkube.api.v1alpha1.SifImage;
import io.sifkube.api.v1alpha1.SifNode;
import io.sifkube.api.v1alpha1.SifRun;
import io.sifkube.api.v1alpha1.SifRunStatus;
import io.sifkube.api.v1alpha1.SifRunStatus.Phase;
import io.sifkube.node.v1.AuthConfig;
import io.sifkube.node.v1.ContainerState;
import io.sifkube.node.v1.ContainerStatus;
import io.sifkube.node.v1.Image;
import io.sifkube.node.v1.InjectedDevice;
import io.sifkube.node.v1.SignaturePolicy;
import io.sifkube.operator.StatusPatch;
import io.sifkube.operator.image.ImageRefs;
import io.sifkube.operator.image.PullSecrets;
import io.sifkube.operator.image.SignaturePolicies;
import io.sifkube.operator.nodes.SifletClients;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reconciles a {@link SifRun} like a one-pod Job: schedule it onto a Ready SifNode, pull and start
 * it through that node's siflet (the container ID is the run's UID and attempt, so a restarted
 * operator never makes a second container for an attempt), watch it, retry failed attempts with
 * backoff up to {@code backoffLimit}, and clean up when the run is deleted (finalizer).
 *
 * <p>Nothing is polled in the common case: SifNodes and SifImages come from informer caches (a
 * node's readiness change wakes the runs it concerns), a container's exit arrives on the node's
 * event stream ({@link ContainerEventSource}), and status is patched only when it changed. A slow
 * look every {@link #FALLBACK} covers a stream that broke.
 */
@ControllerConfiguration(name = "sifrun")
public final class SifRunReconciler implements Reconciler<SifRun>, Cleaner<SifRun> {

  private static final Logger LOG = LoggerFactory.getLogger(SifRunReconciler.class);
  private static final int DEFAULT_BACKOFF_LIMIT = 6;
  static final Duration FALLBACK = Duration.ofSeconds(10);
  private static final StatusPatch<SifRun, SifRunStatus> STATUS =
      new StatusPatch<>(SifRunStatus.class);

  private final KubernetesClient client;
  private final SifletClients siflets;
  private final RunEvents events;
  private final RunMetrics metrics;
  private final Placements placements = new Placements();
  private final PulledImages pulledImages = new PulledImages();
  private final PmiServers pmi;
  private final GangSteps gangs;
  private final NodeGrace grace;

  /** The highest attempt of each run this process has started, until the run is deleted. */
  private final Map<String, Integer> launched = new ConcurrentHashMap<>();

  private IndexerResourceCache<SifRun> runs;
  private InformerEventSource<SifNode, SifRun> nodes;
  private InformerEventSource<SifImage, SifRun> images;
  private ContainerEventSource containers;

  public SifRunReconciler(
      KubernetesClient client,
      SifletClients siflets,
      RunMetrics metrics,
      PmiServers pmi,
      NodeGrace grace) {
    this.client = client;
    this.grace = grace;
    this.siflets = siflets;
    this.events = new RunEvents(client);
    this.metrics = metrics;
    this.pmi = pmi;
    this.gangs = new GangSteps(new GangHost(), placements, pmi);
  }

  /** A run from this controller's cache (for the orphan sweep); before the cache runs, throws. */
  public Optional<SifRun> cached(String namespace, String name) {
    if (runs == null) {
      throw new IllegalStateException("the SifRun cache is not started");
    }
    return runs.get(new ResourceID(name, namespace));
  }

  @Override
  public List<EventSource<?, SifRun>> prepareEventSources(EventSourceContext<SifRun> context) {
    runs = context.getPrimaryCache();
    nodes =
        new InformerEventSource<>(
            InformerEventSourceConfiguration.from(SifNode.class, SifRun.class)
                .withSecondaryToPrimaryMapper(this::runsConcerning)
                .withOnUpdateFilter(SifRunReconciler::schedulingChanged)
                .build(),
            context);
    images =
        new InformerEventSource<>(
            InformerEventSourceConfiguration.from(SifImage.class, SifRun.class)
                .withSecondaryToPrimaryMapper(this::runsNaming)
                .withOnUpdateFilter(
                    (o, n) ->
                        !Objects.equals(
                            o.getMetadata().getGeneration(), n.getMetadata().getGeneration()))
                .build(),
            context);
    containers = new ContainerEventSource(siflets, this::readyAddresses);
    return List.of(nodes, images, containers, pmi.events());
  }

  @Override
  public UpdateControl<SifRun> reconcile(SifRun run, Context<SifRun> context) {
    if (run.getStatus() == null) {
      run.setStatus(new SifRunStatus());
    }
    SifRunStatus s = run.getStatus();
    JsonNode was = STATUS.tree(s);
    Phase before = s.phase;
    s.observedGeneration = run.getMetadata().getGeneration();
    String invalid = ContainerConfigs.invalid(run.getSpec());
    if (invalid != null) {
      if (s.phase != Phase.Failed && s.ranks != null) {
        try {
          gangs.stopAll(run, 10); // an edit made the spec invalid mid-run
        } catch (RuntimeException e) {
          LOG.warn("{}/{}: cannot stop its ranks yet: {}", ns(run), name(run), e.getMessage());
        }
      }
      if (s.phase != Phase.Failed) {
        finish(run, Phase.Failed, "InvalidSpec", invalid);
        events.normal(run, String.valueOf(Phase.Failed), invalid);
      }
      Kstatus.forRun(s, gen(run));
      STATUS.writeIfChanged(run, was, context);
      return UpdateControl.noUpdate();
    }
    if (s.phase == Phase.Succeeded || s.phase == Phase.Failed) {
      Kstatus.forRun(s, gen(run)); // runs finished before these conditions existed get them once
      if (STATUS.writeIfChanged(run, was, context)) {
        return UpdateControl.<SifRun>noUpdate().rescheduleAfter(Duration.ofSeconds(1));
      }
      return afterFinish(run);
    }
    Duration next = null;
    RuntimeException retry = null;
    try {
      next = step(run);
    } catch (StatusRuntimeException e) {
      LOG.warn("{}/{}: siflet call failed: {}", ns(run), name(run), e.getStatus());
      s.message = "siflet: " + e.getStatus().getCode() + ": " + e.getStatus().getDescription();
      String lost = lostNode(run);
      String waiting = lost == null ? notReadyNode(run) : null;
      if (lost != null) {
        next = nodeLost(run, notReadyFor(lost, s.phase == Phase.Running));
      } else if (waiting != null) {
        // Within the grace the containers may well run on (a siflet being replaced): wait. The
        // node's return wakes the run (its Ready changes); else look again when the grace ends.
        Instant until = grace.lostAt(cachedNode(waiting));
        s.message += "; " + notReadyFor(waiting, true) + ", the attempt is given up at " + until;
        next = clamp(Duration.between(Instant.now(), until).plusMillis(100));
      } else {
        retry = new TryAgain(s.message);
      }
    } catch (Stale e) {
      // Look again shortly, from the newer copy (status-only changes bring no event).
      return UpdateControl.<SifRun>noUpdate().rescheduleAfter(Duration.ofSeconds(1));
    } catch (PullBackOff e) {
      retry = new TryAgain(s.message); // the reason and message are in the status already
    } catch (IllegalStateException e) {
      LOG.warn("{}/{}: {}", ns(run), name(run), e.getMessage());
      s.message = e.getMessage(); // a missing SifNode or SifImage
      String gone = nodesOf(run).filter(n -> cachedNode(n) == null).findFirst().orElse(null);
      if (gone != null) {
        next = nodeLost(run, "SifNode " + gone + " was deleted");
      } else {
        retry = new TryAgain(s.message);
      }
    }
    if (s.phase != before) {
      events.normal(run, String.valueOf(s.phase), s.message == null ? "" : s.message);
      metrics.entered(run, s.phase);
    }
    if (retry != null) {
      // JOSDK retries with a jittered exponential backoff (OperatorMain), after
      // updateErrorStatus has written what went wrong.
      Kstatus.forRun(s, gen(run));
      throw retry;
    }
    Kstatus.forRun(s, gen(run));
    STATUS.writeIfChanged(run, was, context);
    UpdateControl<SifRun> c = UpdateControl.noUpdate();
    return next == null ? c : c.rescheduleAfter(next);
  }

  /** A reconcile that threw (a node call failed, a pull backs off): its status says why. */
  @Override
  public ErrorStatusUpdateControl<SifRun> updateErrorStatus(
      SifRun run, Context<SifRun> context, Exception e) {
    return run.getStatus() == null
        ? ErrorStatusUpdateControl.noStatusUpdate()
        : ErrorStatusUpdateControl.patchStatus(run);
  }

  /** Advances the run one step; returns when to look again (null: no need). */
  private Duration step(SifRun run) {
    SifRunStatus s = run.getStatus();
    if (Boolean.TRUE.equals(run.getSpec().suspend)) {
      return suspend(run);
    }
    if (Conditions.isTrue(s.conditions, "Suspended")) {
      Conditions.set(
          s.conditions, "Suspended", false, "Resumed", "spec.suspend is false", gen(run));
    }
    Long ads = run.getSpec().activeDeadlineSeconds;
    if (ads != null && s.startTime != null) {
      Instant due = ApiTimes.parse(s.startTime).plusSeconds(ads);
      if (!Instant.now().isBefore(due)) {
        if (s.containerID != null && s.node != null) {
          node(s.node).stopAndRemove(s.containerID, 10);
        }
        gangs.stopAll(run, 10);
        finish(run, Phase.Failed, "DeadlineExceeded", "active longer than " + ads + " s");
        return null;
      }
      Duration left = Duration.between(Instant.now(), due);
      Duration next = stepWithinDeadline(run);
      return next == null || next.compareTo(left) < 0 ? next : left;
    }
    return stepWithinDeadline(run);
  }

  /**
   * {@code suspend: true}: the running attempt is stopped and removed (not counted as failed), no
   * new one starts, and the deadline timer stops, as for a suspended Job.
   */
  private Duration suspend(SifRun run) {
    SifRunStatus s = run.getStatus();
    if (s.containerID != null && s.node != null) {
      try {
        node(s.node).stopAndRemove(s.containerID, 10);
      } catch (StatusRuntimeException e) {
        if (nodeReady(s.node)) {
          throw e;
        }
      }
    }
    gangs.stopAll(run, 10);
    s.ranks = null;
    s.readyRanks = null;
    // a gang's timeout counts waiting for room, not time suspended
    s.conditions.removeIf(c -> c.getType().equals("Scheduled"));
    s.containerID = null;
    s.node = null;
    s.startTime = null;
    placements.forget(run.getMetadata().getUid());
    s.phase = Phase.Pending;
    s.reason = "Suspended";
    s.message = "spec.suspend is true";
    Conditions.set(s.conditions, "Suspended", true, "JobSuspended", s.message, gen(run));
    return null; // a change of spec.suspend brings the run back
  }

  private Duration stepWithinDeadline(SifRun run) {
    if (GangSteps.isGang(run)) {
      return gangs.step(run);
    }
    SifRunStatus s = run.getStatus();
    if (s.phase == null || s.phase == Phase.Pending) {
      if (!schedule(run)) {
        return Duration.ofSeconds(5);
      }
    }
    if (s.phase == Phase.Scheduled || s.phase == Phase.Pulling) {
      // A reconcile working from a copy a patch behind may find its attempt already run to the
      // end: look at it now rather than wait for an exit event that has come and gone.
      boolean exited = launch(run);
      if (s.phase == Phase.Failed) {
        return null; // refused by the node
      }
      return exited ? watch(run) : FALLBACK;
    }
    return watch(run);
  }

  private boolean schedule(SifRun run) {
    SifRunStatus s = run.getStatus();
    Scheduler.Decision d =
        placements.place(run, nodes.list(n -> true).toList(), runs.list(r -> true).toList());
    if (d.node().isEmpty()) {
      s.phase = Phase.Pending;
      s.reason = "Unschedulable";
      s.message = d.why();
      Conditions.set(s.conditions, "Scheduled", false, "Unschedulable", d.why(), gen(run));
      return false;
    }
    s.node = d.node().get();
    s.phase = Phase.Scheduled;
    metrics.entered(run, Phase.Scheduled);
    s.reason = "Scheduled";
    s.message = d.why();
    Conditions.set(s.conditions, "Scheduled", true, "Scheduled", d.why(), gen(run));
    return true;
  }

  /**
   * Pulls the run's image on a node, checking signatures as its SifImage asks; the manifest digest,
   * or null when the run was refused (it is then Failed, with VerificationFailed).
   */
  private String pullOn(SifRun run, String nodeName, NodeCalls node) {
    SifRunStatus s = run.getStatus();
    SifImage image = imageOf(run);
    String source = source(run);
    SignaturePolicy policy = null;
    if (image != null && image.getSpec().verify != null) {
      try {
        policy = SignaturePolicies.forImage(client, image);
      } catch (IllegalArgumentException e) {
        if (SignaturePolicies.required(image)) {
          refuseUnverified(
              run, "SifImage " + image.getMetadata().getName() + ": " + e.getMessage());
          return null;
        }
      }
    }
    try {
      Image pulled = node.pull(source, auth(run), policy);
      if (image != null
          && SignaturePolicies.required(image)
          && !pulled.getVerification().getVerified()) {
        refuseUnverified(
            run,
            "SifImage "
                + image.getMetadata().getName()
                + " ("
                + source
                + ") failed signature verification on "
                + nodeName
                + ": "
                + pulled.getVerification().getError());
        return null;
      }
      if (pullSkippable(source, image)) {
        pulledImages.pulled(node.address(), source, pulled.getManifestDigest());
      }
      return pulled.getManifestDigest();
    } catch (StatusRuntimeException e) {
      if (NodeCalls.unreachable(e)) {
        throw e;
      }
      // A pull that cannot succeed as asked (bad reference, unknown tag, refused credentials,
      // a damaged layer) waits like ImagePullBackOff: the run stays, the error is in status.
      s.reason = "ImagePullBackOff";
      s.message = "pulling " + source + ": " + e.getStatus().getDescription();
      throw new PullBackOff();
    }
  }

  /** Pulls, creates and starts the attempt; true when its container had already exited. */
  private boolean launch(SifRun run) {
    SifRunStatus s = run.getStatus();
    NodeCalls node = node(s.node);
    s.phase = Phase.Pulling;
    metrics.entered(run, Phase.Pulling); // usually left for Running within this reconcile
    String source = source(run);
    Optional<String> remembered =
        pullSkippable(source, imageOf(run))
            ? pulledImages.digest(node.address(), source)
            : Optional.empty();
    String digest = remembered.isPresent() ? remembered.get() : pullOn(run, s.node, node);
    if (digest == null) {
      return false;
    }
    int attempt = (s.attempts == null ? 0 : s.attempts) + 1;
    String id = containerId(run, attempt);
    // A copy a patch behind would start an attempt this process already started (and perhaps
    // already finished and removed, so that the idempotent create would run it again).
    if (launched.getOrDefault(run.getMetadata().getUid(), 0) >= attempt) {
      throw new Stale();
    }
    NodeCalls.Launched started;
    try {
      started = createOrPullAgain(run, node, id, digest, remembered.isPresent(), attempt);
      if (started == null) {
        return false;
      }
    } catch (StatusRuntimeException e) {
      if (e.getStatus().getCode() != Status.Code.INVALID_ARGUMENT) {
        throw e;
      }
      // No retry can cure a request the node refuses as invalid (an unknown device, a bad
      // capability): the run ends now, not after backoffLimit attempts of the same refusal.
      finish(
          run,
          Phase.Failed,
          "InvalidSpec",
          "siflet on " + s.node + " refused the run: " + e.getStatus().getDescription());
      return false;
    }
    launched.put(run.getMetadata().getUid(), attempt);
    s.devices = devices(started.devices(), s.node);
    if (!started.devices().isEmpty()) {
      events.normal(run, "DevicesInjected", describe(started.devices(), s.node));
    }
    s.attempts = attempt;
    s.containerID = id;
    s.phase = Phase.Running;
    s.reason = "Started";
    s.message = "attempt " + attempt + " started on " + s.node;
    if (s.startTime == null) {
      s.startTime = Instant.now().toString();
    }
    return started.exited();
  }

  /**
   * Creates and starts the attempt from {@code digest}; when that digest was {@code remembered}
   * ({@link PulledImages}) and the node no longer has the image, pulls it again first. Null when
   * the new pull refused the run.
   */
  private NodeCalls.Launched createOrPullAgain(
      SifRun run, NodeCalls node, String id, String digest, boolean remembered, int attempt) {
    try {
      return createAndStart(run, node, id, digest, attempt);
    } catch (StatusRuntimeException e) {
      if (!remembered || !NodeCalls.imageGone(e)) {
        throw e;
      }
      // The node dropped the image since this operator saw it pulled (its garbage collection, a
      // new node at the address).
      pulledImages.forget(node.address(), source(run));
      String pulled = pullOn(run, run.getStatus().node, node);
      return pulled == null ? null : createAndStart(run, node, id, pulled, attempt);
    }
  }

  private NodeCalls.Launched createAndStart(
      SifRun run, NodeCalls node, String id, String digest, int attempt) {
    return node.createAndStart(
        id,
        ContainerConfigs.of(run.getSpec(), digest),
        Map.of(
            ContainerEventSource.RUN_NAMESPACE,
            ns(run),
            ContainerEventSource.RUN_NAME,
            name(run),
            "sifkube.io/run-uid",
            run.getMetadata().getUid(),
            "sifkube.io/attempt",
            Integer.toString(attempt)));
  }

  /**
   * Whether a run's image, from {@code source} (and SifImage {@code image}, null when the run names
   * its source itself), need not be pulled again on a node that pulled it for this operator before
   * ({@link PulledImages}): pinned by digest, no pull secret, no signature policy.
   */
  private static boolean pullSkippable(String source, SifImage image) {
    return PulledImages.skippable(
        source,
        image != null && image.getSpec().pullSecretRef != null,
        image != null && image.getSpec().verify != null);
  }

  /** The status record of injected devices: name, node, spec file, its SHA-256 and version. */
  static List<SifRunStatus.InjectedDevice> devices(List<InjectedDevice> injected, String node) {
    if (injected.isEmpty()) {
      return null;
    }
    return injected.stream()
        .map(
            d -> {
              SifRunStatus.InjectedDevice o = new SifRunStatus.InjectedDevice();
              o.name = d.getName();
              o.node = node;
              o.specFile = d.getSpecPath();
              o.specSha256 = d.getSpecSha256();
              o.cdiVersion = d.getCdiVersion();
              o.nodes = d.getNodesCount() == 0 ? null : List.copyOf(d.getNodesList());
              return o;
            })
        .toList();
  }

  /** The DevicesInjected event's message. */
  static String describe(List<InjectedDevice> injected, String node) {
    return "on "
        + node
        + ": "
        + injected.stream()
            .map(
                d ->
                    d.getName()
                        + " from "
                        + d.getSpecPath()
                        + " (sha256 "
                        + d.getSpecSha256().substring(0, Math.min(12, d.getSpecSha256().length()))
                        + ", cdiVersion "
                        + d.getCdiVersion()
                        + ")")
            .collect(Collectors.joining(", "));
  }

  private Duration watch(SifRun run) {
    SifRunStatus s = run.getStatus();
    NodeCalls node = node(s.node);
    Optional<ContainerEventSource.Exit> exit = containers.exit(s.containerID);
    Optional<ContainerStatus> c =
        exit.isPresent() ? exit.map(ContainerEventSource.Exit::status) : node.status(s.containerID);
    if (c.isEmpty()) {
      if (!current(run)) {
        throw new Stale(); // we removed it ourselves, after a status this copy does not show
      }
      return attemptFailed(run, -1, "ContainerLost", "the node no longer knows the container");
    }
    if (c.get().getState() != ContainerState.CONTAINER_EXITED) {
      return FALLBACK; // its exit comes as an event
    }
    int code = c.get().getExitCode();
    s.exitCode = code;
    // An empty string would reach the API server as null, which the schema refuses: leave it out.
    String tail =
        exit.flatMap(ContainerEventSource.Exit::outputTail)
            .orElseGet(() -> node.tail(s.containerID));
    s.outputTail = tail.isEmpty() ? null : tail;
    node.remove(s.containerID); // it has exited: nothing to stop
    if (code == 0) {
      finish(run, Phase.Succeeded, "Completed", "exited 0 on attempt " + s.attempts);
      return null;
    }
    return attemptFailed(
        run, code, c.get().getReason(), "attempt " + s.attempts + " exited with " + code);
  }

  /** Counts a failed attempt: retry with backoff, or fail the run past backoffLimit. */
  private Duration attemptFailed(SifRun run, int code, String reason, String message) {
    SifRunStatus s = run.getStatus();
    int limit =
        run.getSpec().backoffLimit == null ? DEFAULT_BACKOFF_LIMIT : run.getSpec().backoffLimit;
    int failures = (s.failures == null ? 0 : s.failures) + 1;
    s.failures = failures;
    if (code >= 0) {
      s.exitCode = code;
    }
    if (failures > limit) {
      finish(
          run,
          Phase.Failed,
          "BackoffLimitExceeded",
          message + "; " + failures + " attempts failed (backoffLimit " + limit + ")");
      return null;
    }
    s.phase = Phase.Pending;
    s.reason = reason.isEmpty() ? "Error" : reason;
    s.message = message + "; retrying";
    s.node = null;
    s.containerID = null;
    placements.forget(run.getMetadata().getUid());
    // Backoff after Jobs, shorter: HPC runs are retried quickly, 1 s doubling up to a minute.
    return Duration.ofSeconds(Math.min(60, 1L << Math.min(6, failures - 1)));
  }

  private void finish(SifRun run, Phase phase, String reason, String message) {
    SifRunStatus s = run.getStatus();
    s.phase = phase;
    s.reason = reason;
    s.message = message;
    s.completionTime = Instant.now().toString();
    placements.forget(run.getMetadata().getUid());
    Conditions.set(
        s.conditions,
        phase == Phase.Succeeded ? "Complete" : "Failed",
        true,
        reason,
        message,
        gen(run));
  }

  /** A finished run stays until ttlSecondsAfterFinished, then goes. */
  private UpdateControl<SifRun> afterFinish(SifRun run) {
    Integer ttl = run.getSpec() == null ? null : run.getSpec().ttlSecondsAfterFinished;
    if (ttl == null || run.getStatus().completionTime == null) {
      return UpdateControl.noUpdate();
    }
    Instant due = ApiTimes.parse(run.getStatus().completionTime).plusSeconds(ttl);
    if (Instant.now().isBefore(due)) {
      return UpdateControl.<SifRun>noUpdate()
          .rescheduleAfter(Duration.between(Instant.now(), due).plusMillis(100));
    }
    client.resource(run).delete();
    return UpdateControl.noUpdate();
  }

  @Override
  public DeleteControl cleanup(SifRun run, Context<SifRun> context) {
    placements.forget(run.getMetadata().getUid());
    pmi.close(run.getMetadata().getUid());
    launched.remove(run.getMetadata().getUid());
    metrics.forget(run);
    SifRunStatus s = run.getStatus();
    if (s != null && s.ranks != null) {
      try {
        gangs.stopAll(run, 10);
      } catch (StatusRuntimeException e) {
        LOG.warn("{}/{}: cannot remove its ranks yet: {}", ns(run), name(run), e.getStatus());
        return DeleteControl.noFinalizerRemoval().rescheduleAfter(Duration.ofSeconds(5));
      }
    }
    if (s == null || s.node == null || s.containerID == null) {
      return DeleteControl.defaultDelete();
    }
    try {
      node(s.node).stopAndRemove(s.containerID, 10);
    } catch (StatusRuntimeException e) {
      if (nodeReady(s.node)) {
        LOG.warn("{}/{}: cannot remove its container yet: {}", ns(run), name(run), e.getStatus());
        return DeleteControl.noFinalizerRemoval().rescheduleAfter(Duration.ofSeconds(5));
      }
      // The node is gone or not Ready: nothing to reach; its siflet cleans up on return.
    } catch (IllegalStateException noNode) {
      // the SifNode was deleted
    }
    return DeleteControl.defaultDelete();
  }

  private boolean nodeReady(String name) {
    return nodes.get(new ResourceID(name)).filter(Scheduler::isReady).isPresent();
  }

  private boolean nodeLost(String name) {
    return grace.lost(cachedNode(name), Instant.now());
  }

  /** The nodes the run's attempt uses: its node, or its ranks' nodes once placed. */
  private Stream<String> nodesOf(SifRun run) {
    return GangSteps.isGang(run)
        ? GangSteps.nodesOf(run).stream()
        : Stream.ofNullable(run.getStatus().node);
  }

  /**
   * The first node of the attempt that counts as lost: NotReady past the grace once the attempt
   * runs; merely not Ready before it does (nothing would be lost by placing it again).
   */
  private String lostNode(SifRun run) {
    boolean running = run.getStatus().phase == Phase.Running;
    return nodesOf(run)
        .filter(n -> nodeLost(n) || !running && !nodeReady(n))
        .findFirst()
        .orElse(null);
  }

  /** The node not Ready whose grace ends first, or null. */
  private String notReadyNode(SifRun run) {
    return nodesOf(run)
        .filter(n -> !nodeReady(n))
        .min(Comparator.comparing(n -> grace.lostAt(cachedNode(n))))
        .orElse(null);
  }

  /** A wait of at least 100 ms and at most ten minutes (a grace may be far longer). */
  private static Duration clamp(Duration d) {
    Duration least = Duration.ofMillis(100);
    Duration most = Duration.ofMinutes(10);
    return d.compareTo(least) < 0 ? least : d.compareTo(most) > 0 ? most : d;
  }

  /** Fails the attempt, stopping a gang's other ranks. */
  private Duration nodeLost(SifRun run, String message) {
    return GangSteps.isGang(run)
        ? gangs.fail(run, -1, "NodeLost", message)
        : attemptFailed(run, -1, "NodeLost", message);
  }

  /** The SifNode from the informer's cache, or null. */
  private SifNode cachedNode(String name) {
    return nodes.get(new ResourceID(name)).orElse(null);
  }

  /**
   * NodeLost's message: since when the node is not Ready, and the grace a started attempt was
   * given; an attempt that had not started is given up with no grace, and its message says so.
   */
  private String notReadyFor(String name, boolean started) {
    Instant since = NodeGrace.notReadySince(cachedNode(name));
    String notReady =
        since == null || since.equals(Instant.MIN)
            ? "SifNode " + name + " is not Ready"
            : "SifNode " + name + " is not Ready since " + since;
    return started
        ? notReady + " (grace " + grace.grace().toSeconds() + " s)"
        : notReady + ", before the attempt started";
  }

  private NodeCalls node(String name) {
    SifNode n = cachedNode(name);
    if (n == null || n.getSpec() == null) {
      throw new IllegalStateException("SifNode " + name + " does not exist");
    }
    return new NodeCalls(siflets, n.getSpec().address);
  }

  /** The pull credentials: those of the SifImage's pullSecretRef; none for an inline source. */
  /** The SifImage a run names, or null for an inline source. */
  private SifImage imageOf(SifRun run) {
    if (run.getSpec().source != null) {
      return null;
    }
    return images.get(new ResourceID(run.getSpec().image, ns(run))).orElse(null);
  }

  /**
   * Ends a run whose image's required signature did not verify: no container is made on any node,
   * and no attempt is counted or retried (another pull of the same file cannot verify either).
   */
  private void refuseUnverified(SifRun run, String why) {
    events.warning(run, "VerificationFailed", why);
    finish(run, Phase.Failed, "VerificationFailed", why);
  }

  private AuthConfig auth(SifRun run) {
    if (run.getSpec().source != null) {
      return AuthConfig.getDefaultInstance();
    }
    SifImage img = images.get(new ResourceID(run.getSpec().image, ns(run))).orElse(null);
    if (img == null) {
      throw new IllegalStateException("SifImage " + run.getSpec().image + " not found");
    }
    try {
      return PullSecrets.forImage(client, img);
    } catch (IllegalArgumentException e) {
      throw new IllegalStateException("SifImage " + run.getSpec().image + ": " + e.getMessage(), e);
    }
  }

  private String source(SifRun run) {
    if (run.getSpec().source != null) {
      return run.getSpec().source;
    }
    SifImage img = images.get(new ResourceID(run.getSpec().image, ns(run))).orElse(null);
    if (img == null || img.getSpec() == null) {
      throw new IllegalStateException("SifImage " + run.getSpec().image + " not found");
    }
    return ImageRefs.forRun(img);
  }

  /** The gRPC addresses of the Ready SifNodes: whose container events to follow. */
  private Set<String> readyAddresses() {
    return nodes
        .list(n -> Scheduler.isReady(n) && n.getSpec() != null && n.getSpec().address != null)
        .map(n -> n.getSpec().address)
        .collect(Collectors.toSet());
  }

  /**
   * The runs a SifNode change may concern: those placed on it (it may have been lost) and those
   * waiting for a node (it may fit now).
   */
  private Set<ResourceID> runsConcerning(SifNode node) {
    String name = node.getMetadata().getName();
    return runs.list(
            r ->
                r.getStatus() == null
                    || name.equals(r.getStatus().node)
                    || (r.getStatus().ranks != null
                        && r.getStatus().ranks.stream().anyMatch(k -> name.equals(k.node)))
                    || (r.getStatus().phase == Phase.Pending
                        && !Boolean.TRUE.equals(r.getSpec().suspend)))
        .map(ResourceID::fromResource)
        .collect(Collectors.toSet());
  }

  /** The unfinished runs naming a SifImage: it may have appeared or changed. */
  private Set<ResourceID> runsNaming(SifImage image) {
    String ns = image.getMetadata().getNamespace();
    String name = image.getMetadata().getName();
    return runs.list(
            ns,
            r ->
                name.equals(r.getSpec().image)
                    && (r.getStatus() == null
                        || (r.getStatus().phase != Phase.Succeeded
                            && r.getStatus().phase != Phase.Failed)))
        .map(ResourceID::fromResource)
        .collect(Collectors.toSet());
  }

  /**
   * Whether a SifNode update matters to scheduling: readiness, labels, capacity, address, devices.
   */
  static boolean schedulingChanged(SifNode o, SifNode n) {
    return Scheduler.isReady(o) != Scheduler.isReady(n)
        || !Objects.equals(o.getMetadata().getLabels(), n.getMetadata().getLabels())
        || !Objects.equals(
            o.getSpec() == null ? null : o.getSpec().address,
            n.getSpec() == null ? null : n.getSpec().address)
        || !Objects.equals(
            o.getSpec() == null ? null : o.getSpec().unschedulable,
            n.getSpec() == null ? null : n.getSpec().unschedulable)
        || !Objects.equals(
            o.getStatus() == null ? null : o.getStatus().allocatable,
            n.getStatus() == null ? null : n.getStatus().allocatable)
        || !Objects.equals(
            o.getStatus() == null ? null : o.getStatus().devices,
            n.getStatus() == null ? null : n.getStatus().devices)
        || !Objects.equals(
            o.getStatus() == null ? null : o.getStatus().sharedDevices,
            n.getStatus() == null ? null : n.getStatus().sharedDevices);
  }

  /**
   * Whether the API server's copy still shows this run's current container: a conclusion as grave
   * as a lost container is not drawn from a cached copy that may be a patch behind.
   */
  private boolean current(SifRun run) {
    SifRun now = client.resources(SifRun.class).inNamespace(ns(run)).withName(name(run)).get();
    return now != null
        && now.getStatus() != null
        && Objects.equals(now.getStatus().containerID, run.getStatus().containerID)
        && Objects.equals(now.getStatus().attempts, run.getStatus().attempts)
        && now.getStatus().phase == run.getStatus().phase;
  }

  /** What a parallel run's steps use of this reconciler. */
  private final class GangHost implements GangSteps.Host {
    @Override
    public NodeCalls node(String name) {
      return SifRunReconciler.this.node(name);
    }

    @Override
    public boolean nodeReady(String name) {
      return SifRunReconciler.this.nodeReady(name);
    }

    @Override
    public boolean nodeLost(String name) {
      return SifRunReconciler.this.nodeLost(name);
    }

    @Override
    public String notReadyFor(String name, boolean started) {
      return SifRunReconciler.this.notReadyFor(name, started);
    }

    @Override
    public String address(String name) {
      return nodes.get(new ResourceID(name)).map(n -> n.getSpec().address).orElse(name);
    }

    @Override
    public List<SifNode> nodes() {
      return nodes.list(n -> true).toList();
    }

    @Override
    public java.util.Collection<SifRun> runs() {
      return runs.list(r -> true).toList();
    }

    @Override
    public String pull(SifRun run, String node) {
      return pullOn(run, node, SifRunReconciler.this.node(node));
    }

    @Override
    public void notLaunchedYet(SifRun run, int attempt) {
      if (launched.getOrDefault(run.getMetadata().getUid(), 0) >= attempt) {
        throw new Stale();
      }
    }

    @Override
    public void launched(SifRun run, int attempt) {
      launched.put(run.getMetadata().getUid(), attempt);
    }

    @Override
    public void checkCurrent(SifRun run) {
      if (!current(run)) {
        throw new Stale();
      }
    }

    @Override
    public Duration attemptFailed(SifRun run, int code, String reason, String message) {
      return SifRunReconciler.this.attemptFailed(run, code, reason, message);
    }

    @Override
    public void finish(SifRun run, Phase phase, String reason, String message) {
      SifRunReconciler.this.finish(run, phase, reason, message);
    }
  }

  /** The reconciled copy is older than the server's; nothing is to be decided from it. */
  private static final class Stale extends RuntimeException {
    Stale() {
      super(null, null, false, false);
    }
  }

  /**
   * What JOSDK's retry gets: the run's own message, without a stack trace (JOSDK logs each retried
   * error at WARN; the trace of a refused gRPC call at every retry would bury the log).
   */
  private static final class TryAgain extends RuntimeException {
    TryAgain(String message) {
      super(message, null, false, false);
    }
  }

  /** A pull failed for a reason retrying at once will not fix; its cause is in the status. */
  private static final class PullBackOff extends RuntimeException {
    PullBackOff() {
      super(null, null, false, false);
    }
  }

  /** The ID of an attempt's container: the same for every reconcile of that attempt. */
  static String containerId(SifRun run, int attempt) {
    return "sr-" + run.getMetadata().getUid() + "-" + attempt;
  }

  private static Long gen(SifRun run) {
    return run.getMetadata().getGeneration();
  }

  private static String ns(SifRun run) {
    return run.getMetadata().getNamespace();
  }

  private static String name(SifRun run) {
    return run.getMetadata().getName();
  }
}
