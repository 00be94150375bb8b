package io.sifkube.mount;

import io.sifkube.runtime.ContainerException;
import io.sifkube.runtime.Executables;
import io.sifkube.spec.UserNamespace;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Mounts for an unprivileged caller, who may not mount kernel file systems: squashfuse serves the
 * squashfs layer straight from its offset in the SIF, fuse-overlayfs puts the writable layer on
 * top. Under {@code --fakeroot} fuse-overlayfs translates ids as the user namespace maps them (and
 * keeps ownership it cannot chown in an xattr), so the image's root-owned files belong to the
 * container's root; without it, the caller owns every file, as in SingularityCE.
 */
public final class FuseMounter implements Mounter {

  private static final Path FUSE = Path.of("/dev/fuse");

  private final UserNamespace userns;
  private final long uid;
  private final long gid;
  private final boolean allowOther;

  private FuseMounter(UserNamespace userns, long uid, long gid, boolean allowOther) {
    this.userns = userns;
    this.uid = uid;
    this.gid = gid;
    this.allowOther = allowOther;
  }

  /**
   * A mounter for the caller's user namespace.
   *
   * @param uid the caller's uid
   * @param gid the caller's gid
   * @throws ContainerException when FUSE cannot be used by this caller, saying why
   */
  public static FuseMounter forCaller(UserNamespace userns, long uid, long gid)
      throws ContainerException {
    if (!Files.isReadable(FUSE) || !Files.isWritable(FUSE)) {
      throw new ContainerException(
          "an unprivileged run mounts the image with FUSE, but "
              + FUSE
              + " is not readable and writable by this user; make it so as Debian's udev rule"
              + " does (chmod 0666 /dev/fuse), or run as root");
    }
    for (String tool : List.of("squashfuse", "fuse-overlayfs", "fusermount3")) {
      if (Executables.find(tool).isEmpty()) {
        throw new ContainerException(
            "an unprivileged run needs " + tool + " (apt-get install squashfuse fuse-overlayfs)");
      }
    }
    return new FuseMounter(userns, uid, gid, userAllowOther());
  }

  /** /etc/fuse.conf lets users share their FUSE mounts with other uids. */
  private static boolean userAllowOther() {
    try {
      Path conf = Path.of("/etc/fuse.conf");
      return Files.isReadable(conf)
          && Files.readAllLines(conf).stream().anyMatch(l -> l.strip().equals("user_allow_other"));
    } catch (IOException e) {
      return false;
    }
  }

  @Override
  public void squashfs(Path file, long offset, long size, Path target) throws IOException {
    squashfuse(file, offset, target, allowOther);
  }

  /**
   * Serves the squashfs image at {@code offset} of {@code file} at {@code target} with squashfuse.
   *
   * @param allowOther let users other than the mounter in (root may always)
   */
  static void squashfuse(Path file, long offset, Path target, boolean allowOther)
      throws IOException {
    HostTools.run(
        "mounting the squashfs layer of " + file + " at " + target + " with squashfuse",
        "squashfuse",
        "-o",
        "ro,offset=" + offset + (allowOther ? ",allow_other" : ""),
        file.toString(),
        target.toString());
  }

  @Override
  public void ext3(Path file, Path target, boolean readOnly) throws ContainerException {
    throw new ContainerException(
        "--overlay "
            + file
            + ": ext3 overlay images need root (an unprivileged user cannot mount ext3); use a"
            + " directory or a squashfs image");
  }

  /** A plain directory: an unprivileged caller cannot mount a tmpfs. */
  @Override
  public boolean scratch(Path target) {
    return false;
  }

  @Override
  public void overlay(List<Path> lower, Path upper, Path work, Path target) throws IOException {
    StringBuilder o = new StringBuilder("lowerdir=");
    for (int i = 0; i < lower.size(); i++) {
      o.append(i == 0 ? "" : ":").append(lower.get(i));
    }
    o.append(",upperdir=").append(upper).append(",workdir=").append(work);
    if (userns.fakeroot()) {
      o.append(",uidmapping=").append(UserNamespace.fuseSyntax(userns.uids()));
      o.append(",gidmapping=").append(UserNamespace.fuseSyntax(userns.gids()));
      // Ownership it may not chown to (other than the caller) is kept in an xattr instead.
      o.append(",xattr_permissions=2");
    } else {
      // As SingularityCE (squashfuse -o uid=,gid=): the caller owns the image's files, so the
      // runtime can make mount points and the throw-away overlay is writable.
      o.append(",squash_to_uid=").append(uid).append(",squash_to_gid=").append(gid);
    }
    if (allowOther) {
      // Lets container users other than the caller in; the bundle directory is 0700 anyway.
      o.append(",allow_other");
    }
    HostTools.run(
        "mounting the root file system at " + target + " with fuse-overlayfs",
        "fuse-overlayfs",
        "-o",
        o.toString(),
        target.toString());
  }

  @Override
  public void unmount(Path target) throws IOException {
    if (Mounter.isMounted(target)) {
      try {
        HostTools.run("unmounting " + target, "fusermount3", "-u", target.toString());
      } catch (ContainerException busy) {
        HostTools.run("unmounting " + target, "fusermount3", "-u", "-z", target.toString());
      }
    }
  }

  /**
   * Under {@code --fakeroot}, a container user other than root is a subordinate uid on the host,
   * which FUSE keeps out of the caller's mounts unless they are shared ({@code allow_other}).
   */
  @Override
  public void checkReachable(long containerUid) throws ContainerException {
    if (userns.fakeroot() && containerUid != 0 && !allowOther) {
      throw new ContainerException(
          "user "
              + containerUid
              + " cannot reach a root file system that an unprivileged caller mounted with FUSE;"
              + " run as --user root, or add user_allow_other to /etc/fuse.conf");
    }
  }
}
