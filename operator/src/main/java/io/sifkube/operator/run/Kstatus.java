package io.sifkube.operator.run;

import io.sifkube.api.v1alpha1.SifImageStatus;
import io.sifkube.api.v1alpha1.SifRunStatus;
import io.sifkube.api.v1alpha1.SifRunStatus.Phase;

/**
 * The conditions GitOps tools read (kstatus, used by Flux and kubectl wait; Argo CD's health check
 * in docs/gitops.md): {@code Ready} when the object is where it should be, {@code Reconciling}
 * while the operator is still getting it there, {@code Stalled} when it cannot without a change
 * from someone — beside the Job-like conditions, from the same status, with {@code
 * observedGeneration}. Pure: status in, conditions out.
 */
public final class Kstatus {

  private Kstatus() {}

  /** Waiting reasons a user must act on (a tag that does not exist, refused credentials). */
  private static boolean stuck(String reason) {
    return "ImagePullBackOff".equals(reason);
  }

  /** A SifRun: Ready once it Succeeded; Stalled when Failed or in ImagePullBackOff. */
  public static void forRun(SifRunStatus s, Long generation) {
    Phase p = s.phase == null ? Phase.Pending : s.phase;
    String why = s.reason == null ? p.name() : s.reason;
    if (p == Phase.Succeeded) {
      set(s, generation, true, false, false, "Succeeded", s.message);
    } else if (p == Phase.Failed) {
      set(s, generation, false, false, true, why, s.message);
    } else if (Conditions.isTrue(s.conditions, "Suspended")) {
      set(s, generation, false, false, false, "Suspended", s.message);
    } else if (stuck(s.reason)) {
      set(s, generation, false, false, true, why, s.message);
    } else {
      set(s, generation, false, true, false, why, s.message);
    }
  }

  /** A SifImage: Ready as computed by its reconciler; Stalled when a pull failed. */
  public static void forImage(SifImageStatus s, Long generation) {
    var ready = s.conditions.stream().filter(c -> c.getType().equals("Ready")).findFirst();
    String reason = ready.map(c -> c.getReason()).orElse("Pending");
    String message = ready.map(c -> c.getMessage()).orElse(null);
    boolean isReady = ready.map(c -> "True".equals(c.getStatus())).orElse(false);
    boolean stalled =
        !isReady && ("PullFailed".equals(reason) || "PullSecretInvalid".equals(reason));
    boolean reconciling = !isReady && !stalled;
    setConditions(s.conditions, generation, reconciling, stalled, reason, message);
  }

  private static void set(
      SifRunStatus s,
      Long generation,
      boolean ready,
      boolean reconciling,
      boolean stalled,
      String reason,
      String message) {
    Conditions.set(s.conditions, "Ready", ready, reason, message, generation);
    setConditions(s.conditions, generation, reconciling, stalled, reason, message);
  }

  private static void setConditions(
      java.util.List<io.fabric8.kubernetes.api.model.Condition> conditions,
      Long generation,
      boolean reconciling,
      boolean stalled,
      String reason,
      String message) {
    Conditions.set(
        conditions, "Reconciling", reconciling, reason, reconciling ? message : null, generation);
    Conditions.set(conditions, "Stalled", stalled, reason, stalled ? message : null, generation);
  }
}
