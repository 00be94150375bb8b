package io.sifkube.pmi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class ProcessMappingTest {

  @Test
  void equalNodesShareOneTriple() {
    assertThat(ProcessMapping.block(List.of(4, 4))).isEqualTo("(vector,(0,2,4))");
    assertThat(ProcessMapping.block(List.of(2))).isEqualTo("(vector,(0,1,2))");
  }

  @Test
  void aShorterLastNodeGetsItsOwnTriple() {
    // the example MPICH's parser documents: nodes with 4, 4 and 2 ranks
    assertThat(ProcessMapping.block(List.of(4, 4, 2))).isEqualTo("(vector,(0,2,4),(2,1,2))");
    assertThat(ProcessMapping.block(List.of(1, 3, 3, 1)))
        .isEqualTo("(vector,(0,1,1),(1,2,3),(3,1,1))");
  }

  @Test
  void separateRanksAreOneNodeEach() {
    assertThat(ProcessMapping.separate(3)).isEqualTo("(vector,(0,3,1))");
  }

  @Test
  void refusesEmptyNodes() {
    assertThatThrownBy(() -> ProcessMapping.block(List.of(2, 0)))
        .hasMessageContaining("node 1 holds 0 ranks");
    assertThatThrownBy(() -> ProcessMapping.block(List.of())).hasMessageContaining("no nodes");
  }

  @Test
  void nodesOfRanksAreReadBackAsMpichReadsThem() {
    assertThat(ProcessMapping.nodeOfRank("(vector,(0,2,4))", 8))
        .containsExactly(0, 0, 0, 0, 1, 1, 1, 1);
    assertThat(ProcessMapping.nodeOfRank(ProcessMapping.block(List.of(4, 4, 2)), 10))
        .containsExactly(0, 0, 0, 0, 1, 1, 1, 1, 2, 2);
    // cyclic: the list wraps around
    assertThat(ProcessMapping.nodeOfRank("(vector,(0,2,1))", 4)).containsExactly(0, 1, 0, 1);
    // unreadable: every rank on its own node, so nothing is shared by mistake
    assertThat(ProcessMapping.nodeOfRank("", 3)).containsExactly(0, 1, 2);
  }
}
