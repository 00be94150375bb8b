package io.sifkube.operator.run;

import io.fabric8.kubernetes.api.model.Condition;
import io.sifkube.api.v1alpha1.SifNode;
import io.sifkube.api.v1alpha1.SifRunSpec;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.ToIntFunction;

/**
 * Chooses a SifNode for a run: Ready, schedulable, matching {@code nodeName} or {@code
 * nodeSelector}, with the fewest active runs. Pure: the caller passes the nodes and the load.
 */
public final class Scheduler {

  private Scheduler() {}

  /** A placement, or why there is none. */
  public record Decision(Optional<String> node, String why) {}

  public static Decision choose(
      SifRunSpec spec, List<SifNode> nodes, ToIntFunction<String> activeRuns) {
    Map<String, String> selector = spec.nodeSelector == null ? Map.of() : spec.nodeSelector;
    List<SifNode> fit =
        nodes.stream()
            .filter(n -> spec.nodeName == null || spec.nodeName.equals(n.getMetadata().getName()))
            .filter(n -> matches(selector, n.getMetadata().getLabels()))
            .toList();
    if (fit.isEmpty()) {
      return new Decision(
          Optional.empty(),
          spec.nodeName != null
              ? "no SifNode named " + spec.nodeName
              : "no SifNode matches nodeSelector " + selector);
    }
    List<SifNode> ready =
        fit.stream()
            .filter(Scheduler::isReady)
            .filter(n -> n.getSpec() == null || !Boolean.TRUE.equals(n.getSpec().unschedulable))
            .toList();
    if (ready.isEmpty()) {
      return new Decision(
          Optional.empty(), fit.size() + " SifNode(s) match but none is Ready and schedulable");
    }
    String best =
        ready.stream()
            .map(n -> n.getMetadata().getName())
            .min(Comparator.comparingInt(activeRuns).thenComparing(Comparator.naturalOrder()))
            .orElseThrow();
    return new Decision(Optional.of(best), "scheduled on " + best);
  }

  static boolean matches(Map<String, String> selector, Map<String, String> labels) {
    Map<String, String> l = labels == null ? Map.of() : labels;
    return selector.entrySet().stream().allMatch(e -> e.getValue().equals(l.get(e.getKey())));
  }

  /** True when the node's Ready condition is True. */
  public static boolean isReady(SifNode n) {
    if (n.getStatus() == null) {
      return false;
    }
    for (Condition c : n.getStatus().conditions) {
      if (c.getType().equals("Ready")) {
        return "True".equals(c.getStatus());
      }
    }
    return false;
  }
}
