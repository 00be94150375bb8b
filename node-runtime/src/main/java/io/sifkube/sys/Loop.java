package io.sifkube.sys;

import com.sun.jna.LastErrorException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * Loop devices set up with ioctls, as util-linux's losetup does: a free device from
 * /dev/loop-control, then LOOP_CONFIGURE with the backing file, offset, size limit and flags in one
 * call. Devices are set to auto-clear, so the kernel frees them when their last user (the mount)
 * goes away.
 */
final class Loop {

  private static final long LOOP_CTL_GET_FREE = 0x4C82;
  private static final long LOOP_CONFIGURE = 0x4C0A;
  private static final int LO_FLAGS_READ_ONLY = 1;
  private static final int LO_FLAGS_AUTOCLEAR = 4;
  private static final int EBUSY = 16;
  private static final int LOOP_CONFIG_SIZE = 304; // struct loop_config on 64-bit Linux
  private static final int ATTEMPTS = 10;

  private Loop() {}

  /** An open loop device backed by a file; close the fd once the device is mounted. */
  record Device(String path, int fd) {}

  static Device attach(Path file, long offset, long size, boolean readOnly)
      throws SyscallException {
    LibC c = LibC.INSTANCE;
    int backing;
    try {
      backing = c.open(file.toString(), (readOnly ? LibC.O_RDONLY : LibC.O_RDWR) | LibC.O_CLOEXEC);
    } catch (LastErrorException e) {
      throw new SyscallException("open", file.toString(), e.getErrorCode());
    }
    try {
      for (int attempt = 0; ; attempt++) {
        int control;
        try {
          control = c.open("/dev/loop-control", LibC.O_RDWR | LibC.O_CLOEXEC);
        } catch (LastErrorException e) {
          throw new SyscallException("open", "/dev/loop-control", e.getErrorCode());
        }
        int n;
        try {
          n = c.ioctl(control, LOOP_CTL_GET_FREE, 0L);
        } catch (LastErrorException e) {
          throw new SyscallException("LOOP_CTL_GET_FREE on", "/dev/loop-control", e.getErrorCode());
        } finally {
          c.close(control);
        }
        String dev = "/dev/loop" + n;
        int fd;
        try {
          fd = c.open(dev, (readOnly ? LibC.O_RDONLY : LibC.O_RDWR) | LibC.O_CLOEXEC);
        } catch (LastErrorException e) {
          throw new SyscallException("open", dev, e.getErrorCode());
        }
        try {
          c.ioctl(fd, LOOP_CONFIGURE, config(backing, offset, size, readOnly, file));
          return new Device(dev, fd);
        } catch (LastErrorException e) {
          c.close(fd);
          // Another process took the same free device between our two calls: ask again.
          if (e.getErrorCode() != EBUSY || attempt + 1 >= ATTEMPTS) {
            throw new SyscallException("LOOP_CONFIGURE on", dev + " for " + file, e.getErrorCode());
          }
        }
      }
    } finally {
      c.close(backing);
    }
  }

  /** struct loop_config { u32 fd; u32 block_size; struct loop_info64 info; u64 reserved[8]; }. */
  private static byte[] config(int fd, long offset, long size, boolean readOnly, Path file) {
    ByteBuffer b = ByteBuffer.allocate(LOOP_CONFIG_SIZE).order(ByteOrder.nativeOrder());
    b.putInt(fd);
    b.putInt(0); // block size: the default
    // struct loop_info64: device, inode, rdevice, offset, sizelimit (u64), number, encrypt type,
    // encrypt key size, flags (u32), file name[64], crypt name[64], key[32], init[2] (u64)
    b.putLong(0).putLong(0).putLong(0).putLong(offset).putLong(size);
    b.putInt(0).putInt(0).putInt(0);
    b.putInt((readOnly ? LO_FLAGS_READ_ONLY : 0) | LO_FLAGS_AUTOCLEAR);
    byte[] name = file.toString().getBytes(StandardCharsets.UTF_8);
    b.put(name, 0, Math.min(name.length, 63));
    return b.array();
  }
}
