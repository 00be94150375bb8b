package io.sifkube.mount;

import io.sifkube.runtime.ContainerException;
import io.sifkube.sys.SyscallException;
import io.sifkube.sys.Syscalls;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Mounts and unmounts: a squashfs layer in place inside an OCI-SIF and ext3 overlay images through
 * loop devices set up with ioctls (an offset and size limit, so no copy or extraction); tmpfs and
 * overlayfs with util-linux's {@code mount}, whose option parsing we do not want to redo.
 */
public final class Mounter {

  /** Mounts the squashfs image stored at {@code offset}..{@code offset+size} of {@code file}. */
  public void squashfs(Path file, long offset, long size, Path target) throws IOException {
    try {
      Syscalls.mountLoop(file, offset, size, "squashfs", true, target);
    } catch (SyscallException e) {
      throw new ContainerException(
          "mounting the squashfs layer of " + file + " at " + target + " failed: " + e.getMessage(),
          e);
    }
  }

  /** Mounts an ext3 image file (an overlay image) through a loop device. */
  public void ext3(Path file, Path target, boolean readOnly) throws IOException {
    try {
      Syscalls.mountLoop(file, 0, 0, "ext3", readOnly, target);
    } catch (SyscallException e) {
      throw new ContainerException(
          "mounting the ext3 overlay image "
              + file
              + " at "
              + target
              + " failed: "
              + e.getMessage(),
          e);
    }
  }

  public void tmpfs(Path target, String options) throws IOException {
    run(
        "mounting a tmpfs at " + target,
        "mount",
        "-t",
        "tmpfs",
        "-o",
        options,
        "tmpfs",
        target.toString());
  }

  /** An overlay of {@code lower} (read-only) under {@code upper}/{@code work} at {@code target}. */
  public void overlay(List<Path> lower, Path upper, Path work, Path target) throws IOException {
    StringBuilder lowers = new StringBuilder();
    for (Path l : lower) {
      if (lowers.length() > 0) {
        lowers.append(':');
      }
      lowers.append(l);
    }
    run(
        "mounting the overlay root file system at " + target,
        "mount",
        "-t",
        "overlay",
        "-o",
        "lowerdir=" + lowers + ",upperdir=" + upper + ",workdir=" + work,
        "overlay",
        target.toString());
  }

  /** Unmounts {@code target} if it is mounted; a loop device under it is freed by the kernel. */
  public void unmount(Path target) throws IOException {
    if (isMounted(target)) {
      try {
        Syscalls.umount(target);
      } catch (SyscallException e) {
        throw new ContainerException("unmounting " + target + " failed: " + e.getMessage(), e);
      }
    }
  }

  /** True when {@code target} is a mount point now. */
  public static boolean isMounted(Path target) throws IOException {
    String t = target.toAbsolutePath().normalize().toString();
    for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
      String[] f = line.split(" ");
      if (f.length > 4 && unescape(f[4]).equals(t)) {
        return true;
      }
    }
    return false;
  }

  private static String unescape(String s) {
    return s.replace("\\040", " ")
        .replace("\\011", "\t")
        .replace("\\012", "\n")
        .replace("\\134", "\\");
  }

  private static void run(String doing, String... cmd) throws IOException {
    Process p = new ProcessBuilder(List.of(cmd)).redirectErrorStream(true).start();
    byte[] out = p.getInputStream().readAllBytes();
    try {
      if (!p.waitFor(60, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new ContainerException(doing + ": " + cmd[0] + " did not finish in 60 s");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ContainerException(doing + ": interrupted");
    }
    if (p.exitValue() != 0) {
      List<String> c = new ArrayList<>(List.of(cmd));
      throw new ContainerException(
          doing
              + " failed: "
              + new String(out, StandardCharsets.UTF_8).strip()
              + " ("
              + String.join(" ", c)
              + ")");
    }
  }
}
