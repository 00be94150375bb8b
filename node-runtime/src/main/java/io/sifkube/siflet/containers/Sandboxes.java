package io.sifkube.siflet.containers;

import io.sifkube.runtime.NodeSandbox;
import io.sifkube.spec.RunOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * The sandboxes siflet holds for containers that asked to share one (config.sandbox): the ranks of
 * a parallel SifRun on this node share PID and IPC namespaces and a {@code /dev/shm}, as a pod's
 * containers do, so that MPI ranks on one node talk through shared memory. A sandbox is made by the
 * first container naming it and goes with the last one removed. Each lives in {@code sandboxes/KEY}
 * under the state directory, so that a restarted siflet adopts those its containers still use and
 * removes the rest.
 */
final class Sandboxes {

  /** Where a holder goes so that it outlives siflet's pod, as the containers' monitors do. */
  interface KeepApart {
    void move(long pid) throws IOException;
  }

  private final Path dir;
  private final Consumer<String> log;
  private final KeepApart keepApart;
  private final Map<String, NodeSandbox> open = new HashMap<>();

  /** How many containers hold each open sandbox. */
  private final Map<String, Integer> holders = new HashMap<>();

  Sandboxes(Path stateDir, Consumer<String> log, KeepApart keepApart) {
    this.dir = stateDir.resolve("sandboxes");
    this.log = log;
    this.keepApart = keepApart;
  }

  /** The sandbox named {@code key} for one more container, made now if none holds it yet. */
  synchronized RunOptions.Sandbox join(String key) throws IOException {
    NodeSandbox box = open.get(key);
    if (box == null) {
      box = NodeSandbox.create(dir.resolve(key));
      try {
        // Left in siflet's cgroup, the holder would die with siflet's pod on an upgrade, and
        // with it every rank in its PID namespace.
        for (long pid : box.pids()) {
          keepApart.move(pid);
        }
      } catch (IOException e) {
        log.accept("sandbox " + key + ": its holder stays in siflet's cgroup: " + e.getMessage());
      }
      open.put(key, box);
    }
    holders.merge(key, 1, Integer::sum);
    return box.spec();
  }

  /** One container left {@code key}; the last one to leave ends it and everything still in it. */
  synchronized void leave(String key) {
    Integer n = holders.merge(key, -1, Integer::sum);
    if (n != null && n > 0) {
      return;
    }
    holders.remove(key);
    NodeSandbox box = open.remove(key);
    if (box == null) {
      return;
    }
    try {
      box.close();
    } catch (IOException e) {
      log.accept("removing sandbox " + key + ": " + e.getMessage());
    }
  }

  /**
   * After a restart: adopts the sandboxes containers still hold ({@code wanted}: how many hold
   * each), cleans up every other one.
   */
  synchronized void recover(Map<String, Long> wanted) throws IOException {
    if (!Files.isDirectory(dir)) {
      return;
    }
    try (Stream<Path> s = Files.list(dir)) {
      for (Path d : s.toList()) {
        String key = d.getFileName().toString();
        try {
          recoverOne(d, key, wanted);
        } catch (IOException | RuntimeException e) {
          // one bad sandbox must not keep siflet from starting
          log.accept("sandbox " + key + " left as it is: " + e.getMessage());
        }
      }
    }
  }

  private void recoverOne(Path d, String key, Map<String, Long> wanted) throws IOException {
    NodeSandbox box = wanted.containsKey(key) ? NodeSandbox.adopt(d).orElse(null) : null;
    if (box != null) {
      open.put(key, box);
      holders.put(key, wanted.get(key).intValue());
      log.accept("adopted sandbox " + key);
      return;
    }
    log.accept(
        "removing sandbox "
            + key
            + (wanted.containsKey(key)
                ? ": its holder is gone (so are the containers in it)"
                : ": no container holds it"));
    NodeSandbox.cleanUp(d);
  }
}
