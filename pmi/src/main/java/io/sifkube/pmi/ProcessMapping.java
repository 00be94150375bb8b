package io.sifkube.pmi;

import java.util.List;

/**
 * {@code PMI_process_mapping}: which ranks share a node, in MPICH's vector notation. MPICH maps
 * node-local ranks onto one {@code /dev/shm} segment from it, so it must only group ranks that
 * really share one (a wrong "same node" aborts {@code MPI_Init}).
 *
 * <p>Ranks are numbered in block order: node 0 holds ranks 0..p0-1, node 1 the next p1, and so on.
 * Each triple {@code (S,N,P)} reads "from node S, N consecutive nodes with P ranks each"; runs of
 * nodes with the same count share one triple, as Slurm writes block layouts.
 */
public final class ProcessMapping {

  private ProcessMapping() {}

  /**
   * The mapping of a block layout.
   *
   * @param ranksPerNode how many ranks each node holds, in node order (each at least 1)
   */
  public static String block(List<Integer> ranksPerNode) {
    if (ranksPerNode.isEmpty()) {
      throw new IllegalArgumentException("no nodes");
    }
    StringBuilder s = new StringBuilder("(vector");
    int start = 0;
    while (start < ranksPerNode.size()) {
      int p = ranksPerNode.get(start);
      if (p < 1) {
        throw new IllegalArgumentException("node " + start + " holds " + p + " ranks");
      }
      int end = start + 1;
      while (end < ranksPerNode.size() && ranksPerNode.get(end) == p) {
        end++;
      }
      s.append(",(").append(start).append(',').append(end - start).append(',').append(p);
      s.append(')');
      start = end;
    }
    return s.append(')').toString();
  }

  /**
   * Each rank's node index under {@code mapping}, as MPICH reads it: the triples in turn, wrapping
   * around when they run out before every rank has a node (cyclic layouts). A mapping that cannot
   * be read puts every rank on a node of its own.
   */
  public static int[] nodeOfRank(String mapping, int size) {
    int[] out = new int[size];
    List<int[]> triples = new java.util.ArrayList<>();
    java.util.regex.Matcher m =
        java.util.regex.Pattern.compile("\\((\\d+),(\\d+),(\\d+)\\)").matcher(mapping);
    while (m.find()) {
      triples.add(
          new int[] {
            Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)), Integer.parseInt(m.group(3))
          });
    }
    if (triples.isEmpty() || triples.stream().anyMatch(t -> t[1] < 1 || t[2] < 1)) {
      for (int r = 0; r < size; r++) {
        out[r] = r;
      }
      return out;
    }
    int rank = 0;
    while (rank < size) {
      for (int[] t : triples) {
        for (int node = t[0]; node < t[0] + t[1] && rank < size; node++) {
          for (int p = 0; p < t[2] && rank < size; p++) {
            out[rank++] = node;
          }
        }
      }
    }
    return out;
  }

  /** Every rank on a node of its own: no shared memory is ever assumed. */
  public static String separate(int ranks) {
    return "(vector,(0," + ranks + ",1))";
  }
}
