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

  /** Every rank on a node of its own: no shared memory is ever assumed. */
  public static String separate(int ranks) {
    return "(vector,(0," + ranks + ",1))";
  }
}
