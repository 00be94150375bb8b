package io.sifkube.operator.run;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.sifkube.api.v1alpha1.SifNode;
import io.sifkube.api.v1alpha1.SifNodeSpec;
import io.sifkube.api.v1alpha1.SifNodeStatus;
import io.sifkube.api.v1alpha1.SifRun;
import io.sifkube.api.v1alpha1.SifRunSpec;
import io.sifkube.api.v1alpha1.SifRunStatus;
import io.sifkube.api.v1alpha1.SifRunStatus.Phase;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PlacementsTest {

  private static SifNode node(String name, String cpu) {
    SifNode n = new SifNode();
    n.setMetadata(new ObjectMetaBuilder().withName(name).build());
    n.setSpec(new SifNodeSpec());
    n.setStatus(new SifNodeStatus());
    n.getStatus().allocatable = Map.of("cpu", new Quantity(cpu));
    Conditions.set(n.getStatus().conditions, "Ready", true, "x", "", 1L);
    return n;
  }

  private static SifRun run(String uid, String cpu) {
    SifRun r = new SifRun();
    r.setMetadata(new ObjectMetaBuilder().withName(uid).withNamespace("ns").withUid(uid).build());
    r.setSpec(new SifRunSpec());
    if (cpu != null) {
      r.getSpec().resources = new SifRunSpec.Resources();
      r.getSpec().resources.cpu = new Quantity(cpu);
    }
    return r;
  }

  @Test
  void aBurstDecidedBeforeTheCacheCatchesUpIsSpreadEvenly() {
    Placements p = new Placements();
    List<SifNode> nodes = List.of(node("a", "64"), node("b", "64"));
    List<SifRun> cache = new ArrayList<>();
    int onA = 0;
    for (int i = 0; i < 100; i++) {
      SifRun r = run("r" + i, null);
      cache.add(r); // the cache knows the run, but none of the placements yet
      if (p.place(r, nodes, cache).node().orElseThrow().equals("a")) {
        onA++;
      }
    }
    assertThat(onA).isEqualTo(50);
  }

  @Test
  void cpuPlacedButNotYetInTheCacheCountsAgainstAllocatable() {
    Placements p = new Placements();
    List<SifNode> nodes = List.of(node("a", "2"));
    SifRun first = run("first", "1500m");
    SifRun second = run("second", "1500m");
    List<SifRun> cache = List.of(first, second);
    assertThat(p.place(first, nodes, cache).node()).contains("a");
    Scheduler.Decision d = p.place(second, nodes, cache);
    assertThat(d.node()).isEmpty();
    assertThat(d.why()).isEqualTo("no Ready SifNode has cpu 1500m allocatable left");
    // the first run's attempt failed: its cpu is free again
    p.forget("first");
    assertThat(p.place(second, nodes, cache).node()).contains("a");
  }

  @Test
  void aRunIsCountedOnceWhetherTheCacheOrThePlacementKnowsIt() {
    Placements p = new Placements();
    List<SifNode> nodes = List.of(node("a", "8"), node("b", "8"));
    SifRun placed = run("placed", "1");
    p.place(placed, nodes, List.of(placed));
    placed.setStatus(new SifRunStatus());
    placed.getStatus().node = "a";
    placed.getStatus().phase = Phase.Running;
    SifRun older = run("older", "2"); // placed by an earlier operator: only the cache knows
    older.setStatus(new SifRunStatus());
    older.getStatus().node = "a";
    older.getStatus().phase = Phase.Running;
    Map<String, Scheduler.Load> load = p.load("self", List.of(placed, older));
    assertThat(load).containsOnlyKeys("a");
    assertThat(load.get("a")).isEqualTo(new Scheduler.Load(2, 3, 0));
    // finished, as the cache says: it holds nothing any more
    placed.getStatus().phase = Phase.Succeeded;
    older.getStatus().phase = Phase.Failed;
    assertThat(p.load("self", List.of(placed, older))).isEmpty();
  }

  @Test
  void aRunDoesNotCountAgainstItself() {
    Placements p = new Placements();
    List<SifNode> nodes = List.of(node("a", "1"));
    SifRun r = run("r", "1");
    assertThat(p.place(r, nodes, List.of(r)).node()).contains("a");
    // reconciled again before its status shows the node: the same placement still fits
    assertThat(p.place(r, nodes, List.of(r)).node()).contains("a");
  }

  @Test
  void aRunningGangHoldsEveryRankAndAPendingOneNothing() {
    Placements p = new Placements();
    List<SifNode> nodes = List.of(node("a", "2"), node("b", "2"));
    SifRun gang = run("gang", "1");
    gang.getSpec().parallelism = 3;
    assertThat(p.placeGang(gang, nodes, List.of(gang)).nodeOfRank()).hasSize(3);
    // placed and assumed: another gang of 2 finds room for 1 only, and holds nothing
    SifRun other = run("other", "1");
    other.getSpec().parallelism = 2;
    GangScheduler.Decision d = p.placeGang(other, nodes, List.of(gang, other));
    assertThat(d.placed()).isFalse();
    assertThat(d.why()).contains("room for 1");
    assertThat(
            p.load("self", List.of(gang, other)).values().stream().mapToDouble(l -> l.cpu()).sum())
        .isEqualTo(3);
    // a restarted operator knows the gang from its status: each rank holds its share
    Placements fresh = new Placements();
    gang.setStatus(new SifRunStatus());
    gang.getStatus().phase = Phase.Running;
    gang.getStatus().ranks = new ArrayList<>();
    for (String n : List.of("a", "a", "b")) {
      SifRunStatus.Rank r = new SifRunStatus.Rank();
      r.node = n;
      gang.getStatus().ranks.add(r);
    }
    assertThat(fresh.load("self", List.of(gang)).get("a").cpu()).isEqualTo(2);
    assertThat(fresh.load("self", List.of(gang)).get("b").cpu()).isEqualTo(1);
    // its attempt failed and it waits again: the ranks in its status hold nothing
    gang.getStatus().phase = Phase.Pending;
    assertThat(fresh.load("self", List.of(gang))).isEmpty();
  }
}
