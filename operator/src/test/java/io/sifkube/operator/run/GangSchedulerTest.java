package io.sifkube.operator.run;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.sifkube.api.v1alpha1.SifNode;
import io.sifkube.api.v1alpha1.SifNodeSpec;
import io.sifkube.api.v1alpha1.SifNodeStatus;
import io.sifkube.api.v1alpha1.SifRunSpec;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class GangSchedulerTest {

  private static SifNode node(String name, String cpu) {
    SifNode n = new SifNode();
    n.setMetadata(new ObjectMetaBuilder().withName(name).withLabels(Map.of()).build());
    n.setSpec(new SifNodeSpec());
    n.setStatus(new SifNodeStatus());
    n.getStatus().allocatable = Map.of("cpu", new Quantity(cpu));
    Conditions.set(n.getStatus().conditions, "Ready", true, "x", "", 1L);
    return n;
  }

  private static SifRunSpec ranks(int n, String cpuPerRank) {
    SifRunSpec spec = new SifRunSpec();
    spec.parallelism = n;
    spec.resources = new SifRunSpec.Resources();
    spec.resources.cpu = new Quantity(cpuPerRank);
    return spec;
  }

  @Test
  void roomForThreeOfFourPlacesNothingAndSaysWhatIsMissing() {
    List<SifNode> nodes = List.of(node("a", "2"), node("b", "1"));
    GangScheduler.Decision d = GangScheduler.choose(ranks(4, "1"), nodes, n -> Scheduler.Load.NONE);
    assertThat(d.placed()).isFalse();
    assertThat(d.nodeOfRank()).isEmpty();
    assertThat(d.why())
        .isEqualTo(
            "gang of 4 ranks: the Ready SifNodes have room for 3 (a: 2, b: 1; each rank needs cpu"
                + " 1)");
  }

  @Test
  void ranksFillTheRoomiestNodesFirstInBlockOrder() {
    List<SifNode> nodes = List.of(node("a", "2"), node("b", "3"));
    GangScheduler.Decision d = GangScheduler.choose(ranks(4, "1"), nodes, n -> Scheduler.Load.NONE);
    assertThat(d.nodeOfRank()).containsExactly("b", "b", "b", "a");
    assertThat(d.why()).isEqualTo("gang of 4 ranks placed on [b, a]");
    // what other runs hold counts: with 2 cores used on b, a comes first
    d =
        GangScheduler.choose(
            ranks(3, "1"), nodes, n -> new Scheduler.Load(1, n.equals("b") ? 2 : 0, 0));
    assertThat(d.nodeOfRank()).containsExactly("a", "a", "b");
  }

  @Test
  void ranksPerNodeSpreadsThem() {
    SifRunSpec spec = ranks(4, "0");
    spec.resources = null;
    spec.ranksPerNode = 2;
    List<SifNode> nodes = List.of(node("a", "8"), node("b", "8"), node("c", "8"));
    assertThat(GangScheduler.choose(spec, nodes, n -> Scheduler.Load.NONE).nodeOfRank())
        .containsExactly("a", "a", "b", "b");
    spec.ranksPerNode = 1;
    assertThat(GangScheduler.choose(spec, nodes, n -> Scheduler.Load.NONE).why())
        .isEqualTo(
            "gang of 4 ranks: the Ready SifNodes have room for 3 (a: 1, b: 1, c: 1; each rank"
                + " needs no resources, at most 1 per node)");
  }

  @Test
  void anExclusiveDeviceServesOneRankPerNode() {
    SifNode a = node("a", "8");
    SifNode b = node("b", "8");
    a.getStatus().devices = List.of("vendor.com/gpu=0");
    b.getStatus().devices = List.of("vendor.com/gpu=0");
    SifRunSpec spec = ranks(2, "1");
    spec.devices = List.of("vendor.com/gpu=0");
    assertThat(GangScheduler.choose(spec, List.of(a, b), n -> Scheduler.Load.NONE).nodeOfRank())
        .containsExactly("a", "b");
    // held by another run on b: no room for the second rank
    GangScheduler.Decision d =
        GangScheduler.choose(
            spec,
            List.of(a, b),
            n ->
                n.equals("b")
                    ? new Scheduler.Load(1, 0, 0, Set.of("vendor.com/gpu=0"))
                    : Scheduler.Load.NONE);
    assertThat(d.placed()).isFalse();
    assertThat(d.why()).contains("room for 1 (a: 1;");
  }

  @Test
  void noMatchingNodeIsSaid() {
    SifRunSpec spec = ranks(2, "1");
    spec.nodeSelector = Map.of("gpu", "yes");
    assertThat(GangScheduler.choose(spec, List.of(node("a", "8")), n -> Scheduler.Load.NONE).why())
        .isEqualTo("no Ready, schedulable SifNode matches nodeSelector {gpu=yes}");
  }
}
