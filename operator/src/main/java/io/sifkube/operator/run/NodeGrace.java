package io.sifkube.operator.run;

import io.fabric8.kubernetes.api.model.Condition;
import io.sifkube.api.v1alpha1.SifNode;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;

/**
 * When a node that is not Ready counts as lost, so that the attempts running on it are given up and
 * placed again. Not at once: a siflet replaced by a DaemonSet rollout on a busy node can take
 * longer than its Lease to come back, and its containers run on meanwhile; failing their attempts
 * then started second copies of runs that were never in danger (a CI run of {@code HelmNodeIT}).
 * Kubernetes evicts a NotReady node's pods after a toleration of 300 s, and Slurm marks a silent
 * node DOWN after {@code SlurmdTimeout} (300 s by default); the operator's {@code
 * --node-lost-grace} plays that part.
 *
 * @param grace how long a node may stay NotReady before it counts as lost
 */
public record NodeGrace(Duration grace) {

  /**
   * True when {@code node} is gone, has no Ready condition, or has been NotReady for the grace by
   * {@code now}. A Ready node, or one NotReady for less, is not lost.
   */
  public boolean lost(SifNode node, Instant now) {
    Instant at = lostAt(node);
    return at != null && !now.isBefore(at);
  }

  /**
   * When {@code node} counts as lost: null while it is Ready; {@link Instant#MIN} when it is gone
   * or its NotReady time is unknown (nothing to wait for).
   */
  public Instant lostAt(SifNode node) {
    Instant since = notReadySince(node);
    if (since == null || since.equals(Instant.MIN)) {
      return since;
    }
    try {
      return since.plus(grace);
    } catch (DateTimeException | ArithmeticException beyondTime) {
      return Instant.MAX;
    }
  }

  /**
   * Since when {@code node} is not Ready (its Ready condition's transition): null while it is
   * Ready; {@link Instant#MIN} when it is gone, has no Ready condition or an unreadable time.
   */
  public static Instant notReadySince(SifNode node) {
    if (node == null || node.getStatus() == null) {
      return Instant.MIN;
    }
    Condition ready = Conditions.get(node.getStatus().conditions, "Ready");
    if (ready == null) {
      return Instant.MIN;
    }
    if ("True".equals(ready.getStatus())) {
      return null;
    }
    try {
      return ApiTimes.parse(ready.getLastTransitionTime());
    } catch (DateTimeParseException | NullPointerException unknown) {
      return Instant.MIN;
    }
  }
}
