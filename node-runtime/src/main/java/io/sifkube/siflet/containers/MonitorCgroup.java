package io.sifkube.siflet.containers;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Moves the containers' monitors (conmon) out of siflet's own cgroup into one of their own, in
 * every cgroup hierarchy of the host. Where siflet runs as a pod, its container's cgroup is emptied
 * when the pod goes: runc and crun kill every process in it, as a container sharing the host's PID
 * namespace has no init whose death would do so. A conmon left there dies with the old pod on each
 * `helm upgrade`, and its container's exit is then never recorded. podman keeps its conmons apart
 * the same way.
 */
public final class MonitorCgroup {

  private final Path cgroupRoot;
  private final String path;

  /**
   * @param cgroupRoot where the hierarchies are mounted ({@code /sys/fs/cgroup})
   * @param path the cgroup, from each hierarchy's root ({@code /sifkube-monitors})
   */
  public MonitorCgroup(Path cgroupRoot, String path) {
    this.cgroupRoot = cgroupRoot;
    this.path = path.replaceFirst("^/+", "");
  }

  /** Moves process {@code pid} into the cgroup, making it where it is missing. */
  public void adopt(long pid) throws IOException {
    List<Path> hierarchies = hierarchies();
    if (hierarchies.isEmpty()) {
      throw new IOException("no cgroup hierarchy under " + cgroupRoot);
    }
    for (Path hierarchy : hierarchies) {
      Path dir = hierarchy.resolve(path);
      make(hierarchy, dir);
      try {
        Files.writeString(dir.resolve("cgroup.procs"), Long.toString(pid));
      } catch (IOException e) {
        throw new IOException("moving process " + pid + " into " + dir + ": " + e.getMessage(), e);
      }
    }
  }

  /**
   * Removes the cgroup where it is empty (after an uninstall); the kernel refuses one still holding
   * a process, which is then left. True when nothing of it remains.
   */
  public boolean removeIfEmpty() throws IOException {
    boolean gone = true;
    for (Path hierarchy : hierarchies()) {
      Path dir = hierarchy.resolve(path);
      // deepest first: a level goes once its children have
      for (Path level = dir; level != null && !level.equals(hierarchy); level = level.getParent()) {
        try {
          Files.deleteIfExists(level);
        } catch (IOException busy) {
          gone = false;
          break;
        }
      }
    }
    return gone;
  }

  /**
   * The root of each mounted hierarchy: the unified one alone, or every v1 one (and a v2 beside).
   */
  List<Path> hierarchies() throws IOException {
    if (Files.exists(cgroupRoot.resolve("cgroup.procs"))) {
      return List.of(cgroupRoot);
    }
    List<Path> out = new ArrayList<>();
    if (Files.isDirectory(cgroupRoot)) {
      try (Stream<Path> s = Files.list(cgroupRoot)) {
        // co-mounted controllers appear under several names (cpu,cpuacct and cpu -> cpu,cpuacct)
        s.filter(p -> !Files.isSymbolicLink(p))
            .filter(p -> Files.exists(p.resolve("cgroup.procs")))
            .sorted()
            .forEach(out::add);
      }
    }
    return out;
  }

  /**
   * Creates {@code dir} level by level; a v1 cpuset cgroup starts with no CPUs and no memory nodes
   * and takes no process until given them, so each new level copies its parent's.
   */
  private static void make(Path hierarchy, Path dir) throws IOException {
    Path parent = hierarchy;
    for (Path name : hierarchy.relativize(dir)) {
      Path level = parent.resolve(name);
      if (!Files.isDirectory(level)) {
        try {
          Files.createDirectory(level);
        } catch (java.nio.file.FileAlreadyExistsException raced) {
          // another siflet thread made it
        }
        for (String f : List.of("cpuset.cpus", "cpuset.mems")) {
          Path mine = level.resolve(f);
          Path theirs = parent.resolve(f);
          if (Files.exists(theirs) && (!Files.exists(mine) || Files.readString(mine).isBlank())) {
            Files.writeString(mine, Files.readString(theirs).strip());
          }
        }
      }
      parent = level;
    }
  }
}
