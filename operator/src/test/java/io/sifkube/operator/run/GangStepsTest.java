package io.sifkube.operator.run;

import static org.assertj.core.api.Assertions.assertThat;

import io.sifkube.api.v1alpha1.SifRun;
import io.sifkube.api.v1alpha1.SifRunSpec;
import io.sifkube.api.v1alpha1.SifRunStatus;
import io.sifkube.api.v1alpha1.SifRunStatus.Phase;
import java.util.List;
import org.junit.jupiter.api.Test;

class GangStepsTest {

  private static SifRun run(int parallelism, Phase phase, boolean ranks, String node) {
    SifRun r = new SifRun();
    r.setSpec(new SifRunSpec());
    r.getSpec().parallelism = parallelism;
    r.setStatus(new SifRunStatus());
    r.getStatus().phase = phase;
    r.getStatus().ranks = ranks ? List.of(new SifRunStatus.Rank()) : null;
    r.getStatus().node = node;
    return r;
  }

  @Test
  void aPlacedRunKeepsItsPathWhateverItsSpecNowSays() {
    // waiting runs go the way their spec says
    assertThat(GangSteps.isGang(run(4, Phase.Pending, false, null))).isTrue();
    assertThat(GangSteps.isGang(run(1, Phase.Pending, true, null))).isFalse();
    // a running gang edited to parallelism 1 is still stopped and watched as a gang
    assertThat(GangSteps.isGang(run(1, Phase.Running, true, null))).isTrue();
    // a running plain run edited to parallelism 4 is still one container
    assertThat(GangSteps.isGang(run(4, Phase.Running, false, "node-a"))).isFalse();
    // MPI alone makes a gang of one
    SifRun mpi = run(1, null, false, null);
    mpi.getSpec().mpi = new SifRunSpec.Mpi();
    assertThat(GangSteps.isGang(mpi)).isTrue();
  }
}
