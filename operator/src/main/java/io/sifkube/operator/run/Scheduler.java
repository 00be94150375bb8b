package io.sifkube.operator.run;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Quantity;
import io.sifkube.api.v1alpha1.SifNode;
import io.sifkube.api.v1alpha1.SifRunSpec;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * Chooses a SifNode for a run: Ready, schedulable, matching {@code nodeName} or {@code
 * nodeSelector}, with the run's cpu and memory left in its allocatable, offering every CDI device
 * the run asks for with none of them held by another run (unless the node's spec marks the device
 * {@code sifkube.io/shared: "true"}), and the fewest active runs. Pure: the caller passes the nodes
 * and their load.
 */
public final class Scheduler {

  private Scheduler() {}

  /** A placement, or why there is none. */
  public record Decision(Optional<String> node, String why) {}

  /**
   * What active runs hold on a node.
   *
   * @param runs how many
   * @param cpu cores their resources.cpu add up to
   * @param memory bytes their resources.memory add up to
   * @param devices the CDI devices they hold (a device serves one run at a time, like a device
   *     plugin's)
   */
  public record Load(int runs, double cpu, double memory, Set<String> devices) {
    public static final Load NONE = new Load(0, 0, 0, Set.of());

    public Load(int runs, double cpu, double memory) {
      this(runs, cpu, memory, Set.of());
    }

    /** This load plus one run of the given size. */
    public Load plus(double cpu, double memory, List<String> devices) {
      Set<String> d = new HashSet<>(this.devices);
      if (devices != null) {
        d.addAll(devices);
      }
      return new Load(runs + 1, this.cpu + cpu, this.memory + memory, Set.copyOf(d));
    }
  }

  /**
   * Chooses the node; a run's resources.cpu and resources.memory must fit what the node's
   * allocatable leaves after its active runs.
   */
  public static Decision choose(SifRunSpec spec, List<SifNode> nodes, Function<String, Load> load) {
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
    double cpu = amount(spec.resources == null ? null : spec.resources.cpu);
    double mem = amount(spec.resources == null ? null : spec.resources.memory);
    ready =
        ready.stream()
            .filter(
                n -> {
                  Load l = load.apply(n.getMetadata().getName());
                  return fits(n, "cpu", cpu, l.cpu()) && fits(n, "memory", mem, l.memory());
                })
            .toList();
    if (ready.isEmpty()) {
      return new Decision(
          Optional.empty(), "no Ready SifNode has " + describe(spec) + " allocatable left");
    }
    List<String> devices = spec.devices == null ? List.of() : spec.devices;
    if (!devices.isEmpty()) {
      List<SifNode> offering =
          ready.stream()
              .filter(n -> n.getStatus().devices != null)
              .filter(n -> n.getStatus().devices.containsAll(devices))
              .toList();
      if (offering.isEmpty()) {
        return new Decision(Optional.empty(), "no Ready SifNode offers devices " + devices);
      }
      ready =
          offering.stream()
              .filter(
                  n ->
                      devices.stream()
                          .filter(d -> !shared(n, d))
                          .noneMatch(load.apply(n.getMetadata().getName()).devices()::contains))
              .toList();
      if (ready.isEmpty()) {
        return new Decision(
            Optional.empty(), "devices " + devices + " are held by other runs on every node");
      }
    }
    String best =
        ready.stream()
            .map(n -> n.getMetadata().getName())
            .min(
                Comparator.<String>comparingInt(n -> load.apply(n).runs())
                    .thenComparing(Comparator.naturalOrder()))
            .orElseThrow();
    return new Decision(Optional.of(best), "scheduled on " + best);
  }

  /** Whether the node's spec for {@code device} lets several runs hold it (sifkube.io/shared). */
  static boolean shared(SifNode n, String device) {
    List<String> s = n.getStatus() == null ? null : n.getStatus().sharedDevices;
    return s != null && s.contains(device);
  }

  private static boolean fits(SifNode n, String resource, double asked, double used) {
    if (asked <= 0) {
      return true;
    }
    Map<String, Quantity> alloc = n.getStatus().allocatable;
    if (alloc == null || alloc.get(resource) == null) {
      return true; // a node that states no allocatable is not limited by us
    }
    return used + asked <= amount(alloc.get(resource));
  }

  private static double amount(Quantity q) {
    return q == null ? 0 : Quantity.getAmountInBytes(q).doubleValue();
  }

  private static String describe(SifRunSpec spec) {
    StringBuilder b = new StringBuilder();
    if (spec.resources != null && spec.resources.cpu != null) {
      b.append("cpu ").append(spec.resources.cpu);
    }
    if (spec.resources != null && spec.resources.memory != null) {
      b.append(b.length() > 0 ? " and " : "").append("memory ").append(spec.resources.memory);
    }
    return b.toString();
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
