package io.sifkube.ranks;

import java.util.ArrayList;
import java.util.List;

/**
 * What each rank of a parallel run is told about itself and its peers, in its environment: the same
 * on one host ({@code sifctl run --ranks}) as across nodes.
 *
 * <ul>
 *   <li>{@code SIFKUBE_RANK}, {@code SIFKUBE_SIZE}: its index and the number of ranks;
 *   <li>{@code SIFKUBE_HOSTFILE}: a read-only file listing every rank's node, one line per rank;
 *   <li>with PMI, what MPICH's simple PMI client reads: {@code PMI_PORT} (the server) and {@code
 *       PMI_ID} (its rank, sent in the handshake); {@code PMI_RANK} and {@code PMI_SIZE} too, for
 *       clients that read those.
 * </ul>
 */
public final class RankEnv {

  /** Where the hostfile appears in every rank. */
  public static final String HOSTFILE = "/etc/sifkube/hostfile";

  private RankEnv() {}

  /**
   * The variables of rank {@code rank} of {@code size}, as {@code NAME=VALUE}.
   *
   * @param pmiPort the PMI server's {@code host:port}, or null for plain ranks
   */
  public static List<String> of(int rank, int size, String pmiPort) {
    if (rank < 0 || rank >= size) {
      throw new IllegalArgumentException("rank " + rank + " of " + size);
    }
    List<String> env = new ArrayList<>();
    env.add("SIFKUBE_RANK=" + rank);
    env.add("SIFKUBE_SIZE=" + size);
    env.add("SIFKUBE_HOSTFILE=" + HOSTFILE);
    if (pmiPort != null) {
      env.add("PMI_PORT=" + pmiPort);
      env.add("PMI_ID=" + rank);
      env.add("PMI_RANK=" + rank);
      env.add("PMI_SIZE=" + size);
    }
    return env;
  }

  /** The hostfile's text: rank i's node on line i. */
  public static String hostfile(List<String> nodeOfRank) {
    StringBuilder s = new StringBuilder();
    nodeOfRank.forEach(n -> s.append(n).append('\n'));
    return s.toString();
  }
}
