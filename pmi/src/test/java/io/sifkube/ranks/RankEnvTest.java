package io.sifkube.ranks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class RankEnvTest {

  @Test
  void mpiRanksGetWhatMpichsSimplePmiClientReads() {
    assertThat(RankEnv.of(2, 4, "10.0.0.1:4711"))
        .containsExactly(
            "SIFKUBE_RANK=2",
            "SIFKUBE_SIZE=4",
            "SIFKUBE_HOSTFILE=/etc/sifkube/hostfile",
            "PMI_PORT=10.0.0.1:4711",
            "PMI_ID=2",
            "PMI_RANK=2",
            "PMI_SIZE=4");
  }

  @Test
  void plainRanksGetNoPmi() {
    assertThat(RankEnv.of(0, 1, null)).noneMatch(v -> v.startsWith("PMI_")).hasSize(3);
    assertThatThrownBy(() -> RankEnv.of(3, 3, null)).hasMessage("rank 3 of 3");
  }

  @Test
  void theHostfileHasOneLinePerRank() {
    assertThat(RankEnv.hostfile(List.of("n0", "n0", "n1"))).isEqualTo("n0\nn0\nn1\n");
  }
}
