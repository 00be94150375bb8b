package io.sifkube.operator.run;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Condition;
import io.sifkube.api.v1alpha1.SifImageStatus;
import io.sifkube.api.v1alpha1.SifRunStatus;
import io.sifkube.api.v1alpha1.SifRunStatus.Phase;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class KstatusTest {

  private static Map<String, String> of(List<Condition> cs) {
    return cs.stream().collect(Collectors.toMap(Condition::getType, Condition::getStatus));
  }

  private static SifRunStatus run(Phase p, String reason) {
    SifRunStatus s = new SifRunStatus();
    s.phase = p;
    s.reason = reason;
    s.message = "m";
    return s;
  }

  @Test
  void runsAreReadyWhenSucceededStalledWhenFailedOrStuckAndReconcilingOtherwise() {
    record Case(Phase phase, String reason, String ready, String reconciling, String stalled) {}
    for (Case c :
        List.of(
            new Case(null, null, "False", "True", "False"),
            new Case(Phase.Pending, "Unschedulable", "False", "True", "False"),
            new Case(Phase.Scheduled, "Scheduled", "False", "True", "False"),
            new Case(Phase.Pulling, "ImagePullBackOff", "False", "False", "True"),
            new Case(Phase.Running, "Started", "False", "True", "False"),
            new Case(Phase.Succeeded, "Completed", "True", "False", "False"),
            new Case(Phase.Failed, "BackoffLimitExceeded", "False", "False", "True"),
            new Case(Phase.Failed, "InvalidSpec", "False", "False", "True"))) {
      SifRunStatus s = run(c.phase(), c.reason());
      Kstatus.forRun(s, 3L);
      assertThat(of(s.conditions))
          .as("%s", c)
          .containsEntry("Ready", c.ready())
          .containsEntry("Reconciling", c.reconciling())
          .containsEntry("Stalled", c.stalled());
      assertThat(s.conditions).allMatch(x -> x.getObservedGeneration() == 3L);
    }
    SifRunStatus suspended = run(Phase.Pending, "Suspended");
    Conditions.set(suspended.conditions, "Suspended", true, "JobSuspended", "", 1L);
    Kstatus.forRun(suspended, 1L);
    assertThat(of(suspended.conditions))
        .containsEntry("Ready", "False")
        .containsEntry("Reconciling", "False")
        .containsEntry("Stalled", "False");
    SifRunStatus failed = run(Phase.Failed, "InvalidSpec");
    Kstatus.forRun(failed, 1L);
    assertThat(failed.conditions)
        .filteredOn(x -> x.getType().equals("Stalled"))
        .singleElement()
        .satisfies(x -> assertThat(x.getReason()).isEqualTo("InvalidSpec"))
        .satisfies(x -> assertThat(x.getMessage()).isEqualTo("m"));
  }

  @Test
  void imagesFollowTheirReadyCondition() {
    for (var c :
        List.of(
            List.of("True", "Cached", "False", "False"),
            List.of("False", "Pulling", "True", "False"),
            List.of("False", "NoReadyNode", "True", "False"),
            List.of("False", "PullFailed", "False", "True"),
            List.of("False", "PullSecretInvalid", "False", "True"))) {
      SifImageStatus s = new SifImageStatus();
      Conditions.set(s.conditions, "Ready", c.get(0).equals("True"), c.get(1), "m", 2L);
      Kstatus.forImage(s, 2L);
      assertThat(of(s.conditions))
          .as("%s", c)
          .containsEntry("Reconciling", c.get(2))
          .containsEntry("Stalled", c.get(3));
    }
  }
}
