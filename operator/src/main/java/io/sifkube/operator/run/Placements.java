package io.sifkube.operator.run;

import io.sifkube.api.v1alpha1.SifNode;
import io.sifkube.api.v1alpha1.SifRun;
import io.sifkube.api.v1alpha1.SifRunSpec;
import io.sifkube.api.v1alpha1.SifRunStatus;
import io.sifkube.api.v1alpha1.SifRunStatus.Phase;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The scheduler's view of what each node holds: the active runs of the informer cache, plus the
 * placements this operator made that the cache may not show yet.
 *
 * <p>Like kube-scheduler's "assumed" pods: a burst of runs is scheduled by many reconcile threads
 * at once, each a few milliseconds after the last, long before their status patches come back
 * through the watch. Deciding from the cache alone, they would all see the same "emptiest" node.
 * Decisions are made one at a time and remembered until the run ends, fails its attempt or goes.
 */
final class Placements {

  private record Placement(String node, double cpu, double memory, List<String> devices) {}

  private final Map<String, List<Placement>> assumed = new HashMap<>();

  /** Chooses a node for {@code run} given the runs the cache knows, and remembers the choice. */
  synchronized Scheduler.Decision place(SifRun run, List<SifNode> nodes, Collection<SifRun> known) {
    String self = run.getMetadata().getUid();
    Map<String, Scheduler.Load> load = load(self, known);
    Scheduler.Decision d =
        Scheduler.choose(run.getSpec(), nodes, n -> load.getOrDefault(n, Scheduler.Load.NONE));
    d.node().ifPresent(n -> assumed.put(self, List.of(placement(n, run.getSpec()))));
    return d;
  }

  /**
   * Chooses a node for every rank of a parallel run, or none, and remembers all of them at once: a
   * gang holds all its room or nothing.
   */
  synchronized GangScheduler.Decision placeGang(
      SifRun run, List<SifNode> nodes, Collection<SifRun> known) {
    String self = run.getMetadata().getUid();
    Map<String, Scheduler.Load> load = load(self, known);
    GangScheduler.Decision d =
        GangScheduler.choose(run.getSpec(), nodes, n -> load.getOrDefault(n, Scheduler.Load.NONE));
    if (d.placed()) {
      assumed.put(self, d.nodeOfRank().stream().map(n -> placement(n, run.getSpec())).toList());
    }
    return d;
  }

  private static Placement placement(String node, SifRunSpec spec) {
    return new Placement(node, cpu(spec), memory(spec), spec.devices);
  }

  /** The run no longer holds a node (finished, attempt failed, suspended or deleted). */
  synchronized void forget(String uid) {
    assumed.remove(uid);
  }

  /** What the active runs other than {@code self} hold on each node. */
  synchronized Map<String, Scheduler.Load> load(String self, Collection<SifRun> known) {
    Map<String, Scheduler.Load> out = new HashMap<>();
    for (SifRun r : known) {
      String uid = r.getMetadata().getUid();
      SifRunStatus st = r.getStatus();
      boolean ended = st != null && (st.phase == Phase.Succeeded || st.phase == Phase.Failed);
      if (ended) {
        assumed.remove(uid); // finished elsewhere (another replica, before a restart)
      }
      // A Pending run holds nothing: its last attempt's ranks stay in status only to be read.
      boolean waiting = st != null && (st.phase == null || st.phase == Phase.Pending);
      if (uid.equals(self) || assumed.containsKey(uid) || ended || st == null || waiting) {
        continue;
      }
      if (st.ranks != null && !st.ranks.isEmpty()) {
        for (SifRunStatus.Rank rank : st.ranks) { // each rank holds its own share
          if (rank.node != null) {
            add(out, rank.node, cpu(r.getSpec()), memory(r.getSpec()), devices(r.getSpec()));
          }
        }
      } else if (st.node != null) {
        add(out, st.node, cpu(r.getSpec()), memory(r.getSpec()), devices(r.getSpec()));
      }
    }
    assumed.forEach(
        (uid, ps) -> {
          if (!uid.equals(self)) {
            ps.forEach(p -> add(out, p.node(), p.cpu(), p.memory(), p.devices()));
          }
        });
    return out;
  }

  private static void add(
      Map<String, Scheduler.Load> out, String node, double cpu, double mem, List<String> dev) {
    out.put(node, out.getOrDefault(node, Scheduler.Load.NONE).plus(cpu, mem, dev));
  }

  private static List<String> devices(SifRunSpec spec) {
    return spec == null ? null : spec.devices;
  }

  private static double cpu(SifRunSpec spec) {
    return spec == null || spec.resources == null ? 0 : ContainerConfigs.amount(spec.resources.cpu);
  }

  private static double memory(SifRunSpec spec) {
    return spec == null || spec.resources == null
        ? 0
        : ContainerConfigs.amount(spec.resources.memory);
  }
}
