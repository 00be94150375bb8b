package io.sifkube.spec;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The user namespace a container gets, if any: its uid and gid maps, and whether the caller is
 * unprivileged (rootless: no cgroups, FUSE mounts, the runtime in rootless mode).
 *
 * <p>{@link #plan} follows SingularityCE: an unprivileged caller runs as itself (its uid mapped to
 * itself); {@code --fakeroot} makes it root inside, with its {@code /etc/subuid} and {@code
 * /etc/subgid} ranges as uids and gids 1 and up so that package managers can chown. Root with
 * {@code --fakeroot} gets a user namespace mapping uids 0..65535 onto themselves: file ownership is
 * unchanged, but its capabilities no longer reach the host.
 *
 * @param uids uid map, in OCI order (container id, host id, size)
 * @param gids gid map
 * @param rootless the caller is not root on the host
 * @param fakeroot the container's root is the caller ({@code --fakeroot})
 */
public record UserNamespace(
    List<IdMapping> uids, List<IdMapping> gids, boolean rootless, boolean fakeroot) {

  /** The subordinate ids a user may map, from /etc/subuid or /etc/subgid. */
  static final long SUB_IDS = 65536;

  /**
   * One line of an id map.
   *
   * @param containerId first id inside
   * @param hostId first id outside
   * @param size how many ids
   */
  public record IdMapping(long containerId, long hostId, long size) {

    /** True when {@code id} (inside) is mapped. */
    boolean covers(long id) {
      return id >= containerId && id < containerId + size;
    }
  }

  /**
   * A range of subordinate ids.
   *
   * @param start the first host id
   * @param count how many
   */
  public record SubIdRange(long start, long count) {}

  /**
   * The user namespace for a caller, or empty when the container needs none (root without {@code
   * --fakeroot}).
   *
   * @param uid the caller's uid
   * @param gid the caller's gid
   * @param subuid the caller's first subordinate uid range
   * @param subgid the caller's first subordinate gid range
   * @param fakeroot {@code --fakeroot}
   * @param runc the runtime is runc, whose rootless mode needs the container's root to be the
   *     caller
   * @throws IllegalArgumentException for runc without {@code --fakeroot} (unprivileged)
   */
  public static Optional<UserNamespace> plan(
      long uid,
      long gid,
      Optional<SubIdRange> subuid,
      Optional<SubIdRange> subgid,
      boolean fakeroot,
      boolean runc) {
    if (uid == 0) {
      if (!fakeroot) {
        return Optional.empty();
      }
      List<IdMapping> identity = List.of(new IdMapping(0, 0, SUB_IDS));
      return Optional.of(new UserNamespace(identity, identity, false, true));
    }
    if (fakeroot) {
      return Optional.of(new UserNamespace(rootMap(uid, subuid), rootMap(gid, subgid), true, true));
    }
    if (runc) {
      // runc's rootless mode chowns its files to the container's root, which must therefore be
      // the caller: it can run --fakeroot, but not the caller as itself.
      throw new IllegalArgumentException(
          "runc cannot run an unprivileged container as the caller (uid "
              + uid
              + "); use crun (the default) or --fakeroot");
    }
    List<IdMapping> self = List.of(new IdMapping(uid, uid, 1));
    List<IdMapping> selfGroup = List.of(new IdMapping(gid, gid, 1));
    return Optional.of(new UserNamespace(self, selfGroup, true, false));
  }

  /** Root is the caller; 1.. are the subordinate ids. */
  private static List<IdMapping> rootMap(long id, Optional<SubIdRange> sub) {
    List<IdMapping> out = new ArrayList<>();
    out.add(new IdMapping(0, id, 1));
    sub.ifPresent(r -> out.add(new IdMapping(1, r.start(), Math.min(r.count(), SUB_IDS))));
    return out;
  }

  /** True when {@code uid} and {@code gid} (inside) are both mapped. */
  public boolean maps(long uid, long gid) {
    return uids.stream().anyMatch(m -> m.covers(uid)) && gids.stream().anyMatch(m -> m.covers(gid));
  }

  /** The first range of {@code user} (a name or a uid) in an /etc/subuid-style file's contents. */
  public static Optional<SubIdRange> subIds(String file, String name, long id) {
    for (String line : file.split("\n")) {
      String[] f = line.strip().split(":");
      if (f.length != 3 || !(f[0].equals(name) || f[0].equals(Long.toString(id)))) {
        continue;
      }
      try {
        long start = Long.parseLong(f[1]);
        long count = Long.parseLong(f[2]);
        if (start > 0 && count > 0) {
          return Optional.of(new SubIdRange(start, count));
        }
      } catch (NumberFormatException e) {
        // a malformed line grants nothing, as shadow-utils reads it
      }
    }
    return Optional.empty();
  }

  /** The map in fuse-overlayfs' {@code uidmapping=}/{@code gidmapping=} syntax. */
  public static String fuseSyntax(List<IdMapping> map) {
    StringBuilder b = new StringBuilder();
    for (IdMapping m : map) {
      if (b.length() > 0) {
        b.append(':');
      }
      b.append(m.containerId()).append(':').append(m.hostId()).append(':').append(m.size());
    }
    return b.toString();
  }
}
