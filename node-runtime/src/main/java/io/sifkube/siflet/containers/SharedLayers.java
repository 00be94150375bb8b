package io.sifkube.siflet.containers;

import io.sifkube.image.oci.Digest;
import io.sifkube.mount.Mounter;
import io.sifkube.runtime.ContainerLauncher;
import io.sifkube.runtime.LayerMounts;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * siflet's image layers, each mounted once under {@code stateDir/layers/} and shared by every
 * container of that image as its overlay's lower directory. One mount per image instead of one per
 * container means one loop device, and one page cache: the hundredth rank of an MPI job, or the
 * next run of the same image, execs its binaries from memory instead of decompressing them again
 * (that decompression was the largest cost of a short container here).
 *
 * <p>A layer no container uses is unmounted after {@link #IDLE_MILLIS}, or at once when its image
 * is removed ({@link #forget}). A mount is named by a hash of the image file's identity (path,
 * inode, size, modification time) and the layer's place in it, so a replaced file gets a new mount;
 * {@code NAME.source} beside it names the file. After a restart, {@link #recover} rebuilds who uses
 * what from the bundles' {@code .layers} lists.
 */
final class SharedLayers implements LayerMounts {

  /** How long an unused layer stays mounted, ready for the next container of its image. */
  static final long IDLE_MILLIS = 10 * 60 * 1000;

  private final Path root;
  private final Mounter mounter;
  private final Consumer<String> log;
  private final Map<Path, Layer> layers = new HashMap<>();

  private static final class Layer {
    final Path sif;
    final Set<Path> users = new HashSet<>();
    long idleSince;

    Layer(Path sif, long now) {
      this.sif = sif;
      this.idleSince = now;
    }
  }

  SharedLayers(Path root, Mounter mounter, Consumer<String> log) {
    this.root = root;
    this.mounter = mounter;
    this.log = log;
  }

  @Override
  public synchronized Path lower(Path sif, long offset, long size, Path bundle) throws IOException {
    Path real = sif.toRealPath();
    Path dir = root.resolve(name(real, offset, size));
    Layer l = layers.get(dir);
    if (l == null) {
      Files.createDirectories(dir);
      Files.writeString(source(dir), real + "\n");
      try {
        mounter.squashfs(real, offset, size, dir);
      } catch (IOException | RuntimeException e) {
        Files.deleteIfExists(source(dir));
        Files.deleteIfExists(dir);
        throw e;
      }
      l = new Layer(real, System.currentTimeMillis());
      layers.put(dir, l);
    }
    l.users.add(bundle.toAbsolutePath().normalize());
    return dir;
  }

  @Override
  public synchronized void release(Path bundle) {
    Path b = bundle.toAbsolutePath().normalize();
    long now = System.currentTimeMillis();
    for (Layer l : layers.values()) {
      if (l.users.remove(b) && l.users.isEmpty()) {
        l.idleSince = now;
      }
    }
  }

  /** Unmounts the unused layers of {@code sif} now (its file is about to be deleted). */
  synchronized void forget(Path sif) {
    Path real;
    try {
      real = sif.toRealPath();
    } catch (IOException gone) {
      real = sif.toAbsolutePath().normalize();
    }
    Path file = real;
    unmountWhere(l -> l.sif.equals(file) && l.users.isEmpty());
  }

  /** Unmounts every layer no container uses (siflet stops; the next one mounts them again). */
  synchronized void unmountUnused() {
    unmountWhere(l -> l.users.isEmpty());
  }

  /** Unmounts layers unused for longer than {@link #IDLE_MILLIS} before {@code now}. */
  synchronized void sweepIdle(long now) {
    unmountWhere(l -> l.users.isEmpty() && now - l.idleSince >= IDLE_MILLIS);
  }

  /** Number of layers mounted, and how many containers use each (for tests and metrics). */
  synchronized Map<Path, Integer> usage() {
    Map<Path, Integer> out = new HashMap<>();
    layers.forEach((dir, l) -> out.put(dir, l.users.size()));
    return out;
  }

  private void unmountWhere(java.util.function.Predicate<Layer> which) {
    for (var it = layers.entrySet().iterator(); it.hasNext(); ) {
      var e = it.next();
      if (!which.test(e.getValue())) {
        continue;
      }
      try {
        mounter.unmount(e.getKey());
        Files.deleteIfExists(source(e.getKey()));
        Files.deleteIfExists(e.getKey());
        it.remove();
      } catch (IOException ex) {
        log.accept("unmounting the shared layer " + e.getKey() + ": " + ex.getMessage());
      }
    }
  }

  /**
   * Rebuilds the view after a restart: layers still mounted are adopted with the bundles under
   * {@code bundles} that list them as users; directories left unmounted are removed.
   */
  synchronized void recover(Path bundles) throws IOException {
    if (!Files.isDirectory(root)) {
      return;
    }
    Set<Path> mounted = Mounter.mountPoints();
    long now = System.currentTimeMillis();
    try (Stream<Path> s = Files.list(root)) {
      for (Path dir : s.filter(Files::isDirectory).toList()) {
        Path src = source(dir);
        if (mounted.contains(dir.toAbsolutePath().normalize()) && Files.exists(src)) {
          layers.put(dir, new Layer(Path.of(Files.readString(src).trim()), now));
        } else {
          mounter.unmount(dir); // a half-made one
          Files.deleteIfExists(src);
          Files.deleteIfExists(dir);
        }
      }
    }
    if (Files.isDirectory(bundles)) {
      try (Stream<Path> s = Files.list(bundles)) {
        for (Path bundle : s.toList()) {
          for (Path used : ContainerLauncher.sharedLayers(bundle)) {
            Layer l = layers.get(used);
            if (l != null) {
              l.users.add(bundle.toAbsolutePath().normalize());
            }
          }
        }
      }
    }
  }

  private static Path source(Path dir) {
    return dir.resolveSibling(dir.getFileName() + ".source");
  }

  private static String name(Path real, long offset, long size) throws IOException {
    BasicFileAttributes a = Files.readAttributes(real, BasicFileAttributes.class);
    String identity =
        String.join(
            "\0",
            real.toString(),
            String.valueOf(a.fileKey()),
            String.valueOf(a.size()),
            String.valueOf(a.lastModifiedTime().toInstant()),
            String.valueOf(offset),
            String.valueOf(size));
    return Digest.sha256(identity.getBytes(StandardCharsets.UTF_8)).hex().substring(0, 24);
  }
}
