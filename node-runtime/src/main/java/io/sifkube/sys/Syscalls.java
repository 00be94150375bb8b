package io.sifkube.sys;

import com.sun.jna.LastErrorException;
import java.nio.file.Path;

/**
 * The system calls Sifkube makes, through JNA. This package is the only place that touches native
 * code; everything else calls these methods and gets {@link SyscallException}s naming the
 * operation, the path and the errno.
 */
public final class Syscalls {

  public static final long MS_RDONLY = 1;
  public static final long MS_NOSUID = 2;
  public static final long MS_NODEV = 4;

  private Syscalls() {}

  /**
   * Mounts the file system stored at {@code offset}..{@code offset+size} of {@code file} at {@code
   * target} through a loop device, which the kernel frees again on unmount.
   */
  public static void mountLoop(
      Path file, long offset, long size, String fstype, boolean readOnly, Path target)
      throws SyscallException {
    Loop.Device dev = Loop.attach(file, offset, size, readOnly);
    try {
      mount(dev.path(), target, fstype, (readOnly ? MS_RDONLY : 0) | MS_NODEV, null);
    } finally {
      // The mount holds the device now; with auto-clear it goes when the mount does.
      LibC.INSTANCE.close(dev.fd());
    }
  }

  public static void mount(String source, Path target, String fstype, long flags, String data)
      throws SyscallException {
    try {
      LibC.INSTANCE.mount(source, target.toString(), fstype, flags, data);
    } catch (LastErrorException e) {
      throw new SyscallException(
          "mount " + fstype + " " + source + " at", target.toString(), e.getErrorCode());
    }
  }

  public static void umount(Path target) throws SyscallException {
    try {
      LibC.INSTANCE.umount2(target.toString(), 0);
    } catch (LastErrorException e) {
      throw new SyscallException("umount", target.toString(), e.getErrorCode());
    }
  }
}
