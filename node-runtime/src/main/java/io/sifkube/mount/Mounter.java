package io.sifkube.mount;

import io.sifkube.runtime.ContainerException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Mounts what a container's root file system is made of. {@link KernelMounter} is for root (loop
 * devices, kernel squashfs and overlayfs); {@link FuseMounter} is for unprivileged callers
 * (squashfuse and fuse-overlayfs), who may not mount kernel file systems.
 */
public interface Mounter {

  /** Mounts the squashfs image stored at {@code offset}..{@code offset+size} of {@code file}. */
  void squashfs(Path file, long offset, long size, Path target) throws IOException;

  /** Mounts an ext3 image file (an overlay image). */
  void ext3(Path file, Path target, boolean readOnly) throws IOException;

  /**
   * Prepares the empty directory {@code target} to hold a throw-away overlay's changes.
   *
   * @return true when something was mounted there (and must be unmounted)
   */
  boolean scratch(Path target) throws IOException;

  /** An overlay of {@code lower} (read-only, top first) under {@code upper}/{@code work}. */
  void overlay(List<Path> lower, Path upper, Path work, Path target) throws IOException;

  /** Unmounts {@code target} if it is mounted. */
  void unmount(Path target) throws IOException;

  /**
   * Checks that the container's user {@code containerUid} may use what was mounted.
   *
   * @throws ContainerException saying what to change when it may not
   */
  default void checkReachable(long containerUid) throws ContainerException {}

  /**
   * True when everything this mounter has mounted so far, and would mount next, is a kernel mount:
   * no FUSE daemon that must be stopped, so the end of a private mount namespace releases it all.
   */
  default boolean kernelMountsOnly() {
    return false;
  }

  /** True when {@code target} is a mount point now. */
  static boolean isMounted(Path target) throws IOException {
    return mountPoints().contains(target.toAbsolutePath().normalize());
  }

  /**
   * Every mount point of this thread's mount namespace, from one read of mountinfo (a thread may
   * have left the process's namespace: see {@code Syscalls.privateMountNamespace}).
   */
  static Set<Path> mountPoints() throws IOException {
    Set<Path> out = new HashSet<>();
    for (String line : Files.readAllLines(Path.of("/proc/thread-self/mountinfo"))) {
      String[] f = line.split(" ");
      if (f.length > 4) {
        out.add(Path.of(unescape(f[4])));
      }
    }
    return out;
  }

  private static String unescape(String s) {
    return s.replace("\\040", " ")
        .replace("\\011", "\t")
        .replace("\\012", "\n")
        .replace("\\134", "\\");
  }
}
