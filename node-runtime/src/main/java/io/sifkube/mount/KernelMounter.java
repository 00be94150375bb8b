package io.sifkube.mount;

import io.sifkube.runtime.ContainerException;
import io.sifkube.runtime.Executables;
import io.sifkube.sys.SyscallException;
import io.sifkube.sys.Syscalls;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;

/**
 * Mounts for root, with the kernel's file systems: a squashfs layer in place inside an OCI-SIF and
 * ext3 overlay images through loop devices set up with ioctls (an offset and size limit, so no copy
 * or extraction); tmpfs and overlayfs with mount(2) as well: a daemon starting many containers
 * should not fork util-linux for each.
 */
public final class KernelMounter implements Mounter {

  private static final int ENOENT = 2;
  private static final int EINVAL = 22; // not a mount point

  private final boolean squashfuseFirst;
  private final Consumer<String> info;
  private volatile boolean usedFuse;

  /** Loop-mounts squashfs layers, falling back on squashfuse where the kernel way fails. */
  public KernelMounter(Consumer<String> info) {
    this(false, info);
  }

  /**
   * @param squashfuseFirst serve squashfs layers with squashfuse even though loop devices may work
   *     ({@code SIFKUBE_SQUASHFUSE=1})
   * @param info hears when squashfuse is used instead of the kernel
   */
  public KernelMounter(boolean squashfuseFirst, Consumer<String> info) {
    this.squashfuseFirst = squashfuseFirst;
    this.info = info;
  }

  @Override
  public void squashfs(Path file, long offset, long size, Path target) throws IOException {
    if (squashfuseFirst) {
      FuseMounter.squashfuse(file, offset, target, true);
      return;
    }
    try {
      Syscalls.mountLoop(file, offset, size, "squashfs", true, target);
    } catch (SyscallException e) {
      // No loop devices (a container without /dev/loop*), no squashfs module, ...: squashfuse
      // reads the same bytes in user space, if it is installed.
      if (Executables.find("squashfuse").isEmpty()) {
        throw new ContainerException(
            "mounting the squashfs layer of "
                + file
                + " at "
                + target
                + " failed: "
                + e.getMessage()
                + " (squashfuse, the fallback, is not installed)",
            e);
      }
      info.accept(
          "kernel squashfs mount failed (" + e.getMessage() + "); mounting with squashfuse");
      usedFuse = true;
      FuseMounter.squashfuse(file, offset, target, true);
    }
  }

  @Override
  public boolean kernelMountsOnly() {
    return !squashfuseFirst && !usedFuse;
  }

  @Override
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

  /** A tmpfs, so that the changes of a compat run live in memory and vanish with it. */
  @Override
  public boolean scratch(Path target) throws IOException {
    mount("tmpfs", target, "tmpfs", Syscalls.MS_NODEV, "mode=0755", "a tmpfs");
    return true;
  }

  @Override
  public void overlay(List<Path> lower, Path upper, Path work, Path target) throws IOException {
    StringBuilder lowers = new StringBuilder();
    for (Path l : lower) {
      if (lowers.length() > 0) {
        lowers.append(':');
      }
      lowers.append(l);
    }
    String data = "lowerdir=" + lowers + ",upperdir=" + upper + ",workdir=" + work;
    mount("overlay", target, "overlay", 0, data, "the overlay root file system");
  }

  private static void mount(
      String source, Path target, String type, long flags, String data, String what)
      throws ContainerException {
    try {
      Syscalls.mount(source, target, type, flags, data);
    } catch (SyscallException e) {
      throw new ContainerException(
          "mounting " + what + " at " + target + " failed: " + e.getMessage(), e);
    }
  }

  /** Unmounts {@code target} if it is mounted; a loop device under it is freed by the kernel. */
  @Override
  public void unmount(Path target) throws IOException {
    // umount(2) says whether it was a mount point: no read of mountinfo per unmount, which grows
    // with every running container.
    try {
      Syscalls.umount(target);
    } catch (SyscallException e) {
      if (e.errno() != EINVAL && e.errno() != ENOENT) {
        throw new ContainerException("unmounting " + target + " failed: " + e.getMessage(), e);
      }
    }
  }
}
