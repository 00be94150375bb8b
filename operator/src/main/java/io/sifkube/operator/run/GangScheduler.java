package io.sifkube.operator.run;

import io.fabric8.kubernetes.api.model.Quantity;
import io.sifkube.api.v1alpha1.SifNode;
import io.sifkube.api.v1alpha1.SifRunSpec;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Places every rank of a parallel run at once, or none: the gang rule of Volcano's minMember and
 * Kueue's all-or-nothing, decided here because Sifkube places ranks itself. A run either gets a
 * node for each rank in one decision, which {@link Placements} then holds as a whole, or holds
 * nothing and says what is missing. No partial placement ever holds resources, so two gangs cannot
 * each hold part of what both need.
 *
 * <p>Each rank reserves the run's cpu, memory and devices on its node; {@code ranksPerNode} caps a
 * node's share. Ranks go in block order onto the nodes with the most room first, so that a gang
 * spans as few nodes as it can (node-local ranks talk through shared memory). Pure: the caller
 * passes the nodes and their load.
 */
public final class GangScheduler {

  private GangScheduler() {}

  /** Rank i's node at index i, or an empty list and why. */
  public record Decision(List<String> nodeOfRank, String why) {
    public boolean placed() {
      return !nodeOfRank.isEmpty();
    }
  }

  /** The run's number of ranks (1 for a plain run). */
  public static int ranks(SifRunSpec spec) {
    return spec.parallelism == null ? 1 : spec.parallelism;
  }

  public static Decision choose(
      SifRunSpec spec, List<SifNode> nodes, Function<String, Scheduler.Load> load) {
    int n = ranks(spec);
    Map<String, String> selector = spec.nodeSelector == null ? Map.of() : spec.nodeSelector;
    List<SifNode> ready =
        nodes.stream()
            .filter(x -> spec.nodeName == null || spec.nodeName.equals(x.getMetadata().getName()))
            .filter(x -> Scheduler.matches(selector, x.getMetadata().getLabels()))
            .filter(Scheduler::isReady)
            .filter(x -> x.getSpec() == null || !Boolean.TRUE.equals(x.getSpec().unschedulable))
            .toList();
    if (ready.isEmpty()) {
      return none(
          spec.nodeName != null
              ? "no Ready, schedulable SifNode named " + spec.nodeName
              : "no Ready, schedulable SifNode matches nodeSelector " + selector);
    }
    double cpu = ContainerConfigs.amount(spec.resources == null ? null : spec.resources.cpu);
    double mem = ContainerConfigs.amount(spec.resources == null ? null : spec.resources.memory);
    List<String> devices = spec.devices == null ? List.of() : spec.devices;
    int perNode = spec.ranksPerNode == null ? n : spec.ranksPerNode;
    record Room(String node, int ranks) {}
    List<Room> rooms = new ArrayList<>();
    int total = 0;
    for (SifNode x : ready) {
      String name = x.getMetadata().getName();
      Scheduler.Load l = load.apply(name);
      int room = perNode;
      room = Math.min(room, fit(x, "cpu", cpu, l.cpu()));
      room = Math.min(room, fit(x, "memory", mem, l.memory()));
      room = Math.min(room, deviceRoom(x, devices, l));
      if (room > 0) {
        rooms.add(new Room(name, room));
        total += room;
      }
    }
    if (total < n) {
      StringBuilder why =
          new StringBuilder("gang of " + n + " ranks: the Ready SifNodes have room");
      why.append(" for ").append(total).append(" (");
      why.append(
          rooms.isEmpty()
              ? "none on " + ready.size() + " node(s)"
              : String.join(", ", rooms.stream().map(r -> r.node() + ": " + r.ranks()).toList()));
      why.append("; each rank needs ").append(describe(spec, devices));
      if (spec.ranksPerNode != null) {
        why.append(", at most ").append(perNode).append(" per node");
      }
      return none(why.append(")").toString());
    }
    rooms.sort(Comparator.comparingInt(Room::ranks).reversed().thenComparing(Room::node));
    List<String> nodeOfRank = new ArrayList<>(n);
    for (Room r : rooms) {
      for (int i = 0; i < r.ranks() && nodeOfRank.size() < n; i++) {
        nodeOfRank.add(r.node());
      }
    }
    return new Decision(
        List.copyOf(nodeOfRank),
        "gang of " + n + " ranks placed on " + nodeOfRank.stream().distinct().toList());
  }

  private static Decision none(String why) {
    return new Decision(List.of(), why);
  }

  /** How many more ranks asking {@code asked} each fit the node's allocatable. */
  private static int fit(SifNode n, String resource, double asked, double used) {
    if (asked <= 0) {
      return Integer.MAX_VALUE;
    }
    Map<String, Quantity> alloc = n.getStatus().allocatable;
    if (alloc == null || alloc.get(resource) == null) {
      return Integer.MAX_VALUE; // a node that states no allocatable is not limited by us
    }
    return (int)
        Math.max(0, Math.floor((ContainerConfigs.amount(alloc.get(resource)) - used) / asked));
  }

  /**
   * Devices: a node must offer them all; one that is not shared serves one rank, and none while
   * another run holds it.
   */
  private static int deviceRoom(SifNode n, List<String> devices, Scheduler.Load l) {
    if (devices.isEmpty()) {
      return Integer.MAX_VALUE;
    }
    List<String> offered = n.getStatus().devices;
    if (offered == null || !offered.containsAll(devices)) {
      return 0;
    }
    List<String> exclusive = devices.stream().filter(d -> !Scheduler.shared(n, d)).toList();
    if (exclusive.isEmpty()) {
      return Integer.MAX_VALUE;
    }
    return exclusive.stream().anyMatch(l.devices()::contains) ? 0 : 1;
  }

  private static String describe(SifRunSpec spec, List<String> devices) {
    List<String> parts = new ArrayList<>();
    if (spec.resources != null && spec.resources.cpu != null) {
      parts.add("cpu " + spec.resources.cpu);
    }
    if (spec.resources != null && spec.resources.memory != null) {
      parts.add("memory " + spec.resources.memory);
    }
    if (!devices.isEmpty()) {
      parts.add("devices " + devices);
    }
    return parts.isEmpty() ? "no resources" : String.join(" and ", parts);
  }
}
