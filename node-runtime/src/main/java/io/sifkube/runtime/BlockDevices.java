package io.sifkube.runtime;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Block devices of the host, by path: the numbers a cgroup rule names them by. */
public final class BlockDevices {

  private BlockDevices() {}

  /**
   * The major and minor numbers of the block device at {@code path}.
   *
   * @param what the option or field that named it, for messages
   * @throws IllegalArgumentException when there is no such device or it is not a block device
   */
  public static long[] numbers(Path path, String what) {
    try {
      int mode = (Integer) Files.getAttribute(path, "unix:mode");
      if ((mode & 0170000) != 0060000) {
        throw new IllegalArgumentException(what + " " + path + ": not a block device");
      }
      long rdev = (Long) Files.getAttribute(path, "unix:rdev");
      // Linux's dev_t: the major in bits 8-19 and 32-43, the minor in bits 0-7 and 20-31
      long major = ((rdev >>> 8) & 0xfff) | ((rdev >>> 32) & ~0xfffL);
      long minor = (rdev & 0xff) | ((rdev >>> 12) & ~0xffL);
      return new long[] {major, minor};
    } catch (IOException e) {
      throw new IllegalArgumentException(what + " " + path + ": no such device");
    }
  }
}
