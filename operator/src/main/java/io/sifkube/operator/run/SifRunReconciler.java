package io.sifkube.operator.run;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.grpc.StatusRuntimeException;
import io.javaoperatorsdk.operator.api.reconciler.Cleaner;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.DeleteControl;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.sifkube.api.v1alpha1.SifImage;
import io.sifkube.api.v1alpha1.SifNode;
import io.sifkube.api.v1alpha1.SifRun;
import io.sifkube.api.v1alpha1.SifRunStatus;
import io.sifkube.api.v1alpha1.SifRunStatus.Phase;
import io.sifkube.node.v1.AuthConfig;
import io.sifkube.node.v1.ContainerState;
import io.sifkube.node.v1.ContainerStatus;
import io.sifkube.operator.image.PullSecrets;
import io.sifkube.operator.nodes.SifletClients;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reconciles a {@link SifRun} like a one-pod Job: schedule it onto a Ready SifNode, pull and start
 * it through that node's siflet (the container ID is the run's UID and attempt, so a restarted
 * operator never makes a second container for an attempt), watch it, retry failed attempts with
 * backoff up to {@code backoffLimit}, and clean up when the run is deleted (finalizer).
 */
@ControllerConfiguration(name = "sifrun")
public final class SifRunReconciler implements Reconciler<SifRun>, Cleaner<SifRun> {

  private static final Logger LOG = LoggerFactory.getLogger(SifRunReconciler.class);
  private static final int DEFAULT_BACKOFF_LIMIT = 6;
  private static final Duration POLL = Duration.ofMillis(500);

  private final KubernetesClient client;
  private final SifletClients siflets;
  private final RunEvents events;
  private final RunMetrics metrics;

  public SifRunReconciler(KubernetesClient client, SifletClients siflets, RunMetrics metrics) {
    this.client = client;
    this.siflets = siflets;
    this.events = new RunEvents(client);
    this.metrics = metrics;
  }

  @Override
  public UpdateControl<SifRun> reconcile(SifRun run, Context<SifRun> context) {
    if (run.getStatus() == null) {
      run.setStatus(new SifRunStatus());
    }
    SifRunStatus s = run.getStatus();
    Phase before = s.phase;
    s.observedGeneration = run.getMetadata().getGeneration();
    String invalid = ContainerConfigs.invalid(run.getSpec());
    if (invalid != null) {
      if (s.phase != Phase.Failed) {
        finish(run, Phase.Failed, "InvalidSpec", invalid);
      }
      return UpdateControl.patchStatus(run);
    }
    if (s.phase == Phase.Succeeded || s.phase == Phase.Failed) {
      return afterFinish(run);
    }
    Duration next;
    try {
      next = step(run);
    } catch (StatusRuntimeException e) {
      LOG.warn("{}/{}: siflet call failed: {}", ns(run), name(run), e.getStatus());
      s.message = "siflet: " + e.getStatus().getCode() + ": " + e.getStatus().getDescription();
      next = Duration.ofSeconds(2);
      if (s.node != null && !nodeReady(s.node)) {
        next = attemptFailed(run, -1, "NodeLost", "SifNode " + s.node + " is not Ready");
      }
    } catch (PullBackOff e) {
      next = Duration.ofSeconds(20);
    } catch (IllegalStateException e) {
      LOG.warn("{}/{}: {}", ns(run), name(run), e.getMessage());
      s.message = e.getMessage(); // a missing SifNode or SifImage: look again later
      next = Duration.ofSeconds(5);
    }
    if (s.phase != before) {
      events.normal(run, String.valueOf(s.phase), s.message == null ? "" : s.message);
      metrics.entered(run, s.phase);
    }
    return next == null
        ? UpdateControl.patchStatus(run)
        : UpdateControl.patchStatus(run).rescheduleAfter(next);
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
      Instant due = Instant.parse(s.startTime).plusSeconds(ads);
      if (!Instant.now().isBefore(due)) {
        if (s.containerID != null && s.node != null) {
          node(s.node).stopAndRemove(s.containerID, 10);
        }
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
    s.containerID = null;
    s.node = null;
    s.startTime = null;
    s.phase = Phase.Pending;
    s.reason = "Suspended";
    s.message = "spec.suspend is true";
    Conditions.set(s.conditions, "Suspended", true, "JobSuspended", s.message, gen(run));
    return null; // a change of spec.suspend brings the run back
  }

  private Duration stepWithinDeadline(SifRun run) {
    SifRunStatus s = run.getStatus();
    if (s.phase == null || s.phase == Phase.Pending) {
      if (!schedule(run)) {
        return Duration.ofSeconds(5);
      }
    }
    if (s.phase == Phase.Scheduled || s.phase == Phase.Pulling) {
      launch(run);
      return POLL;
    }
    return watch(run);
  }

  private boolean schedule(SifRun run) {
    SifRunStatus s = run.getStatus();
    List<SifNode> nodes = client.resources(SifNode.class).list().getItems();
    Map<String, Scheduler.Load> load = load(run);
    Scheduler.Decision d =
        Scheduler.choose(run.getSpec(), nodes, n -> load.getOrDefault(n, Scheduler.Load.NONE));
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

  private void launch(SifRun run) {
    SifRunStatus s = run.getStatus();
    NodeCalls node = node(s.node);
    s.phase = Phase.Pulling;
    String digest;
    try {
      digest = node.pull(source(run), auth(run));
    } catch (StatusRuntimeException e) {
      if (NodeCalls.unreachable(e)) {
        throw e;
      }
      // A pull that cannot succeed as asked (bad reference, unknown tag, refused credentials,
      // a damaged layer) waits like ImagePullBackOff: the run stays, the error is in status.
      s.reason = "ImagePullBackOff";
      s.message = "pulling " + source(run) + ": " + e.getStatus().getDescription();
      throw new PullBackOff();
    }
    int attempt = (s.attempts == null ? 0 : s.attempts) + 1;
    String id = containerId(run, attempt);
    node.createAndStart(
        id,
        ContainerConfigs.of(run.getSpec(), digest),
        Map.of(
            "sifkube.io/run-namespace", ns(run),
            "sifkube.io/run-name", name(run),
            "sifkube.io/run-uid", run.getMetadata().getUid(),
            "sifkube.io/attempt", Integer.toString(attempt)));
    s.attempts = attempt;
    s.containerID = id;
    s.phase = Phase.Running;
    s.reason = "Started";
    s.message = "attempt " + attempt + " started on " + s.node;
    if (s.startTime == null) {
      s.startTime = Instant.now().toString();
    }
  }

  private Duration watch(SifRun run) {
    SifRunStatus s = run.getStatus();
    NodeCalls node = node(s.node);
    Optional<ContainerStatus> c = node.status(s.containerID);
    if (c.isEmpty()) {
      return attemptFailed(run, -1, "ContainerLost", "the node no longer knows the container");
    }
    if (c.get().getState() != ContainerState.CONTAINER_EXITED) {
      return POLL;
    }
    int code = c.get().getExitCode();
    s.exitCode = code;
    // An empty string would reach the API server as null, which the schema refuses: leave it out.
    String tail = node.tail(s.containerID);
    s.outputTail = tail.isEmpty() ? null : tail;
    node.stopAndRemove(s.containerID, 0);
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
    // Backoff after Jobs, shorter: HPC runs are retried quickly, 1 s doubling up to a minute.
    return Duration.ofSeconds(Math.min(60, 1L << Math.min(6, failures - 1)));
  }

  private void finish(SifRun run, Phase phase, String reason, String message) {
    SifRunStatus s = run.getStatus();
    s.phase = phase;
    s.reason = reason;
    s.message = message;
    s.completionTime = Instant.now().toString();
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
    Instant due = Instant.parse(run.getStatus().completionTime).plusSeconds(ttl);
    if (Instant.now().isBefore(due)) {
      return UpdateControl.<SifRun>noUpdate()
          .rescheduleAfter(Duration.between(Instant.now(), due).plusMillis(100));
    }
    client.resource(run).delete();
    return UpdateControl.noUpdate();
  }

  @Override
  public DeleteControl cleanup(SifRun run, Context<SifRun> context) {
    SifRunStatus s = run.getStatus();
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

  /** What the other active runs hold on each node. */
  private Map<String, Scheduler.Load> load(SifRun self) {
    Map<String, Scheduler.Load> out = new java.util.HashMap<>();
    for (SifRun r : client.resources(SifRun.class).inAnyNamespace().list().getItems()) {
      SifRunStatus st = r.getStatus();
      if (st == null
          || st.node == null
          || r.getMetadata().getUid().equals(self.getMetadata().getUid())
          || st.phase == Phase.Succeeded
          || st.phase == Phase.Failed) {
        continue;
      }
      double cpu = 0;
      double mem = 0;
      if (r.getSpec() != null && r.getSpec().resources != null) {
        cpu = ContainerConfigs.amount(r.getSpec().resources.cpu);
        mem = ContainerConfigs.amount(r.getSpec().resources.memory);
      }
      Scheduler.Load l = out.getOrDefault(st.node, Scheduler.Load.NONE);
      out.put(st.node, new Scheduler.Load(l.runs() + 1, l.cpu() + cpu, l.memory() + mem));
    }
    return out;
  }

  private boolean nodeReady(String name) {
    SifNode n = client.resources(SifNode.class).withName(name).get();
    return n != null && Scheduler.isReady(n);
  }

  private NodeCalls node(String name) {
    SifNode n = client.resources(SifNode.class).withName(name).get();
    if (n == null || n.getSpec() == null) {
      throw new IllegalStateException("SifNode " + name + " does not exist");
    }
    return new NodeCalls(siflets, n.getSpec().address);
  }

  /** The pull credentials: those of the SifImage's pullSecretRef; none for an inline source. */
  private AuthConfig auth(SifRun run) {
    if (run.getSpec().source != null) {
      return AuthConfig.getDefaultInstance();
    }
    SifImage img =
        client.resources(SifImage.class).inNamespace(ns(run)).withName(run.getSpec().image).get();
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
    SifImage img =
        client.resources(SifImage.class).inNamespace(ns(run)).withName(run.getSpec().image).get();
    if (img == null || img.getSpec() == null) {
      throw new IllegalStateException("SifImage " + run.getSpec().image + " not found");
    }
    return img.getSpec().source;
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
