package io.sifkube.cdi;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Map;

/**
 * The host's device nodes, as CDI looks at them: {@code lstat}, not {@code stat}, so a symlink (a
 * {@code /dev/dri/by-path} entry) is not a device node. Looked at on every injection, never cached:
 * a driver reload renumbers nodes.
 */
public interface HostNodes {

  /** A node's type ({@code b}, {@code c} or {@code p}), numbers and mode bits (no file type). */
  record Node(String type, long major, long minor, int mode) {}

  /**
   * The node at {@code path}.
   *
   * @throws IOException when it does not exist (NoSuchFileException) or is not a device node
   */
  Node lstat(String path) throws IOException;

  /** The host's file system. */
  HostNodes SYSTEM =
      path -> {
        Map<String, Object> a =
            Files.readAttributes(Path.of(path), "unix:mode,rdev", LinkOption.NOFOLLOW_LINKS);
        int mode = (Integer) a.get("mode");
        String type =
            switch (mode & 0170000) {
              case 0020000 -> "c";
              case 0060000 -> "b";
              case 0010000 -> "p";
              default -> throw new IOException("not a device node");
            };
        long rdev = (Long) a.get("rdev");
        return new Node(type, major(rdev), minor(rdev), mode & ~0170000);
      };

  /** The major number of a {@code dev_t} (glibc's gnu_dev_major). */
  static long major(long rdev) {
    return ((rdev >>> 8) & 0xfff) | ((rdev >>> 32) & ~0xfffL);
  }

  /** The minor number of a {@code dev_t} (glibc's gnu_dev_minor). */
  static long minor(long rdev) {
    return (rdev & 0xff) | ((rdev >>> 12) & ~0xffL);
  }
}
