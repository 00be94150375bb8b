package io.sifkube.runtime;

import io.sifkube.spec.UserNamespace;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;

/**
 * Who runs sifctl: the real uid and gid, the user name, and where this caller keeps run state —
 * {@code /run/sifkube} for root; for anyone else {@code $XDG_RUNTIME_DIR/sifkube}, or {@code
 * /tmp/sifkube-UID} (which must be a directory of theirs, never a link someone else planted).
 *
 * @param uid real uid
 * @param gid real gid
 * @param name user name (for /etc/subuid)
 */
public record Caller(long uid, long gid, String name) {

  /** This process's caller. */
  public static Caller current() throws IOException {
    long uid = -1;
    long gid = -1;
    for (String l : Files.readAllLines(Path.of("/proc/self/status"))) {
      if (l.startsWith("Uid:")) {
        uid = Long.parseLong(l.split("\\s+")[1]);
      } else if (l.startsWith("Gid:")) {
        gid = Long.parseLong(l.split("\\s+")[1]);
      }
    }
    return new Caller(uid, gid, System.getProperty("user.name", ""));
  }

  public boolean isRoot() {
    return uid == 0;
  }

  /**
   * The caller's user namespace for a run.
   *
   * @throws ContainerException when the runtime cannot be given one
   */
  public Optional<UserNamespace> userNamespace(boolean fakeroot, boolean runc) throws IOException {
    try {
      return UserNamespace.plan(
          uid, gid, subIds("/etc/subuid", uid), subIds("/etc/subgid", gid), fakeroot, runc);
    } catch (IllegalArgumentException e) {
      throw new ContainerException(e.getMessage(), e);
    }
  }

  private Optional<UserNamespace.SubIdRange> subIds(String file, long id) throws IOException {
    Path p = Path.of(file);
    if (!Files.isReadable(p)) {
      return Optional.empty();
    }
    return UserNamespace.subIds(Files.readString(p), name, uid);
  }

  /**
   * The directory for this caller's run state, created if needed.
   *
   * @throws ContainerException when the per-user directory belongs to someone else
   */
  public Path stateRoot() throws IOException {
    if (isRoot()) {
      return Path.of("/run/sifkube");
    }
    String xdg = System.getenv("XDG_RUNTIME_DIR");
    Path dir =
        xdg != null && !xdg.isEmpty() && Files.isDirectory(Path.of(xdg))
            ? Path.of(xdg, "sifkube")
            : Path.of("/tmp", "sifkube-" + uid);
    if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
      try {
        Files.createDirectory(
            dir,
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
      } catch (java.nio.file.FileAlreadyExistsException raced) {
        // checked below
      }
    }
    PosixFileAttributes a =
        Files.readAttributes(dir, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
    int owner = (Integer) Files.getAttribute(dir, "unix:uid", LinkOption.NOFOLLOW_LINKS);
    if (!a.isDirectory()
        || owner != uid
        || !a.permissions().equals(PosixFilePermissions.fromString("rwx------"))) {
      throw new ContainerException(
          dir + " is not a directory of uid " + uid + " with mode 0700; remove it and retry");
    }
    return dir;
  }
}
