package io.sifkube.cdi;

import io.sifkube.cdi.ContainerEdits.DeviceNode;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The devices a set of spec files offers, by qualified name, and the files that could not be used.
 * Immutable: a rescan makes a new one.
 *
 * <p>Priority is per device: a file in a later directory overrides an earlier one's definition of
 * the same name and brings its own spec-level edits; the other devices of the earlier file stay.
 * Two files of the same priority defining one name conflict: the name is not offered and both files
 * carry an error, while their other devices are. Unlike the reference (whose conflict set is never
 * cleared), a later directory defining a name that conflicted earlier offers it: a higher-priority
 * definition is what resolves such a conflict.
 */
public final class Inventory {

  /** A file (or directory) that could not be used, and why. */
  public record SpecError(String path, String message) {}

  /** A device offered: the spec that won it and its definition there. */
  public record Entry(CdiSpec spec, CdiSpec.Device device) {
    public String name() {
      return spec.kind() + "=" + device.name();
    }
  }

  public static final Inventory EMPTY = of(List.of(), List.of());

  private final List<CdiSpec> specs;
  private final Map<String, Entry> devices;
  private final List<SpecError> errors;

  private Inventory(List<CdiSpec> specs, Map<String, Entry> devices, List<SpecError> errors) {
    this.specs = List.copyOf(specs);
    this.devices = Collections.unmodifiableMap(devices);
    this.errors = List.copyOf(errors);
  }

  /**
   * The inventory of {@code specs} (in directory order, then file name order, as scanned), with
   * {@code errors} found reading them.
   */
  public static Inventory of(List<CdiSpec> specs, List<SpecError> errors) {
    Map<String, Entry> best = new HashMap<>();
    Map<String, Integer> conflictAt = new HashMap<>();
    Map<String, Set<String>> conflictFiles = new TreeMap<>();
    for (CdiSpec s : specs) {
      for (CdiSpec.Device d : s.devices()) {
        Entry e = new Entry(s, d);
        Entry prev = best.get(e.name());
        if (prev == null || prev.spec().priority() < s.priority()) {
          best.put(e.name(), e);
          conflictAt.remove(e.name());
        } else if (prev.spec().priority() == s.priority()) {
          conflictAt.put(e.name(), s.priority());
          Set<String> files = conflictFiles.computeIfAbsent(e.name(), k -> new LinkedHashSet<>());
          files.add(prev.spec().path());
          files.add(s.path());
        }
      }
    }
    List<SpecError> all = new ArrayList<>(errors);
    conflictAt.keySet().forEach(best::remove);
    conflictFiles.forEach(
        (name, files) -> {
          if (conflictAt.containsKey(name)) {
            for (String f : files) {
              all.add(
                  new SpecError(
                      f,
                      "conflicting device "
                          + name
                          + ": defined by "
                          + String.join(" and ", files)
                          + " at the same priority; not offered"));
            }
          }
        });
    return new Inventory(specs, new TreeMap<>(best), all);
  }

  /** The spec files read, in scan order. */
  public List<CdiSpec> specs() {
    return specs;
  }

  /** Every device offered, by qualified name, sorted. */
  public Map<String, Entry> devices() {
    return devices;
  }

  /** Files that could not be used, and conflicts. */
  public List<SpecError> errors() {
    return errors;
  }

  /**
   * Resolves {@code names} into what injecting them does, looking at the host's nodes now. A name
   * asked for twice is injected once (as containerd does; the reference would repeat its edits).
   *
   * @throws CdiException naming every name that is malformed or not offered (with the closest
   *     offered name), a host node that is missing or not what the spec says, or a device the
   *     runtimes here cannot inject
   */
  public Injection resolve(List<String> names, HostNodes host) {
    if (names.isEmpty()) {
      return Injection.NONE;
    }
    List<String> wanted = List.copyOf(new LinkedHashSet<>(names));
    List<String> problems = new ArrayList<>();
    List<String> unresolved = new ArrayList<>();
    for (String n : wanted) {
      String why = QualifiedName.problem(n);
      if (why != null) {
        problems.add("\"" + n + "\" is not a CDI device name (vendor/class=name): " + why);
      } else if (!devices.containsKey(n)) {
        String near = closest(n);
        unresolved.add(n + (near == null ? "" : " (did you mean " + near + "?)"));
      }
    }
    if (!unresolved.isEmpty()) {
      problems.add(
          "unresolvable CDI devices: "
              + String.join(", ", unresolved)
              + (devices.isEmpty() ? " (no device is offered here)" : ""));
    }
    if (!problems.isEmpty()) {
      throw new CdiException(String.join("; ", problems));
    }
    Set<String> specsSeen = new LinkedHashSet<>();
    ContainerEdits all = ContainerEdits.NONE;
    List<Injection.Injected> out = new ArrayList<>();
    for (String n : wanted) {
      Entry e = devices.get(n);
      ContainerEdits mine = e.device().edits();
      if (specsSeen.add(e.spec().path())) {
        mine = e.spec().edits().append(mine);
      }
      if (!mine.netDevices().isEmpty()) {
        throw new CdiException(
            n
                + " (from "
                + e.spec().path()
                + ") moves network interfaces (netDevices), which needs an OCI runtime with"
                + " runtime-spec 1.3's linux.netDevices; crun 1.8 and runc 1.1 have none");
      }
      List<DeviceNode> nodes = new ArrayList<>();
      for (DeviceNode d : mine.deviceNodes()) {
        nodes.add(complete(n, d, host));
      }
      mine =
          new ContainerEdits(
              mine.env(),
              nodes,
              mine.mounts(),
              mine.hooks(),
              mine.intelRdt(),
              mine.additionalGids(),
              mine.netDevices());
      all = all.append(mine);
      out.add(
          new Injection.Injected(
              n,
              e.spec().path(),
              e.spec().sha256(),
              e.spec().version(),
              e.spec().priority(),
              nodes,
              mine.hooks()));
    }
    return new Injection(out, all);
  }

  /**
   * A device node with what the spec left out taken from the host ({@code fillMissingInfo}): the
   * host path defaults to the path; the mode comes from the host when unset; type and numbers too,
   * unless the spec gives a type and a major (or a fifo), in which case a missing host node is no
   * error.
   */
  static DeviceNode complete(String device, DeviceNode d, HostNodes host) {
    String hostPath = d.hostNode();
    HostNodes.Node h;
    try {
      h = host.lstat(hostPath);
    } catch (IOException e) {
      if (d.minimal()) {
        return new DeviceNode(
            d.path(),
            hostPath,
            d.type(),
            d.major(),
            d.minor(),
            d.fileMode(),
            d.permissions(),
            d.uid(),
            d.gid());
      }
      String why = e instanceof NoSuchFileException ? "no such file" : e.getMessage();
      throw new CdiException(device + ": host device " + hostPath + ": " + why);
    }
    Integer mode = d.fileMode() != null ? d.fileMode() : h.mode();
    String type = d.type();
    long major = d.major();
    long minor = d.minor();
    if (!d.minimal()) {
      if (type.isEmpty()) {
        type = h.type();
      } else if (!type.equals(h.type())) {
        throw new CdiException(
            device
                + ": device node "
                + d.path()
                + " is type "
                + type
                + " in the spec but "
                + hostPath
                + " is type "
                + h.type()
                + " on the host");
      }
      if (!type.equals("p") && major == 0) {
        major = h.major();
        minor = h.minor();
      }
    }
    return new DeviceNode(
        d.path(), hostPath, type, major, minor, mode, d.permissions(), d.uid(), d.gid());
  }

  /** The offered name closest to {@code name} by edit distance, if any is close. */
  private String closest(String name) {
    String best = null;
    int bestDistance = Integer.MAX_VALUE;
    for (String offered : devices.keySet()) {
      int d = distance(name, offered);
      if (d < bestDistance) {
        best = offered;
        bestDistance = d;
      }
    }
    return best != null && bestDistance <= Math.max(2, name.length() / 3) ? best : null;
  }

  private static int distance(String a, String b) {
    int[] prev = new int[b.length() + 1];
    int[] cur = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      prev[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      cur[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int sub = prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
        cur[j] = Math.min(sub, Math.min(prev[j] + 1, cur[j - 1] + 1));
      }
      int[] t = prev;
      prev = cur;
      cur = t;
    }
    return prev[b.length()];
  }
}
