package io.sifkube.siflet.containers;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * What siflet does to its node when Sifkube is uninstalled from it (its DaemonSet is gone when
 * siflet stops): every container stopped and removed with its mounts, then the state and run
 * directories emptied. Never on an ordinary stop or upgrade, where containers run on.
 */
public final class NodeCleanup {

  private final Containers containers;
  private final Path stateDir;
  private final Path runDir;
  private final Consumer<String> log;

  public NodeCleanup(Containers containers, Path stateDir, Path runDir, Consumer<String> log) {
    this.containers = containers;
    this.stateDir = stateDir;
    this.runDir = runDir;
    this.log = log;
  }

  /** Kills and removes every container (logs, records, bundles, overlay mounts). */
  public void removeContainers() {
    for (ContainerRecord r : containers.list()) {
      try {
        containers.remove(r.id());
      } catch (IOException | RuntimeException e) {
        log.accept("uninstall: removing container " + r.id() + " failed: " + e.getMessage());
      }
    }
  }

  /**
   * Empties the state and run directories (the directories stay: they may be mount points of the
   * pod). Nothing mounted below them is entered: a mount left behind is reported, not deleted into.
   */
  public void removeState() {
    for (Path dir : List.of(stateDir, runDir)) {
      try {
        emptyWithinDevice(dir);
      } catch (IOException e) {
        log.accept("uninstall: emptying " + dir + " failed: " + e.getMessage());
      }
    }
  }

  /** Deletes what {@code dir} holds on its own file system; stops at mount points. */
  static void emptyWithinDevice(Path dir) throws IOException {
    if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    Object device = Files.getAttribute(dir, "unix:dev", LinkOption.NOFOLLOW_LINKS);
    try (Stream<Path> children = Files.list(dir)) {
      for (Path child : children.toList()) {
        Files.walkFileTree(
            child,
            new SimpleFileVisitor<>() {
              @Override
              public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes a)
                  throws IOException {
                if (!device.equals(Files.getAttribute(d, "unix:dev", LinkOption.NOFOLLOW_LINKS))) {
                  throw new IOException(d + " is a mount point; left as it is");
                }
                return FileVisitResult.CONTINUE;
              }

              @Override
              public FileVisitResult visitFile(Path f, BasicFileAttributes a) throws IOException {
                Files.delete(f);
                return FileVisitResult.CONTINUE;
              }

              @Override
              public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
                if (e != null) {
                  throw e;
                }
                Files.delete(d);
                return FileVisitResult.CONTINUE;
              }
            });
      }
    }
  }
}
