package io.sifkube.operator.run;

import io.sifkube.api.v1alpha1.SifRunSpec;
import io.sifkube.node.v1.ContainerConfig;
import io.sifkube.ranks.RankEnv;
import java.util.List;

/**
 * What each rank of a parallel run is told, added to the run's container config. Pure.
 *
 * <p>The variables are {@link RankEnv}'s, the same {@code sifctl run --ranks} gives on one host;
 * the hostfile has rank i's node address on line i, as an MPI hostfile lists one slot per line.
 */
public final class RankConfigs {

  /** The longest host name the kernel takes (HOST_NAME_MAX). */
  static final int HOST_NAME_MAX = 64;

  private RankConfigs() {}

  /** Where a rank is and how it reaches its peers. */
  public record Wiring(String runName, String hostfile, String sandbox, String pmiPort) {}

  /**
   * Rank {@code rank}'s config.
   *
   * @param w the run's name, the hostfile's text (see {@link #hostfile}), the sandbox the node's
   *     ranks share, and the PMI server's {@code host:port} (null without MPI)
   */
  public static ContainerConfig of(ContainerConfig base, SifRunSpec spec, int rank, Wiring w) {
    int size = GangScheduler.ranks(spec);
    ContainerConfig.Builder c =
        base.toBuilder()
            .addAllEnv(RankEnv.of(rank, size, w.pmiPort()))
            .putFiles(RankEnv.HOSTFILE, w.hostfile())
            .setSandbox(w.sandbox());
    if (!"NonIndexed".equals(spec.completionMode)) {
      c.setHostname(hostname(w.runName(), rank));
    }
    return c.build();
  }

  /**
   * {@code <run>-<rank>}, as an Indexed Job's pods are named; a long run name is cut so that the
   * whole stays a host name the kernel accepts.
   */
  static String hostname(String runName, int rank) {
    String suffix = "-" + rank;
    String head = runName;
    if (head.length() + suffix.length() > HOST_NAME_MAX) {
      head = head.substring(0, HOST_NAME_MAX - suffix.length());
      while (head.endsWith(".") || head.endsWith("-")) {
        head = head.substring(0, head.length() - 1);
      }
    }
    return head + suffix;
  }

  /** The hostfile: line i is the host of rank i's node address ({@code host:port} or host). */
  public static String hostfile(List<String> addressOfRank) {
    return RankEnv.hostfile(addressOfRank.stream().map(RankConfigs::host).toList());
  }

  /** The host part of {@code host:port}, {@code [v6]:port} or a bare host. */
  static String host(String address) {
    if (address.startsWith("[")) {
      int end = address.indexOf(']');
      return end > 0 ? address.substring(1, end) : address;
    }
    int colon = address.lastIndexOf(':');
    return colon > 0 && address.indexOf(':') == colon ? address.substring(0, colon) : address;
  }
}
