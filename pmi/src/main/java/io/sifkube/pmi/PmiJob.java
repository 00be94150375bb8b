package io.sifkube.pmi;

import java.io.IOException;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * The process-management side of one MPI job in the simple PMI-1 wire protocol that Debian's MPICH
 * speaks ({@code PMI_PORT} + {@code PMI_ID}): one flat key-value space, barriers over every rank,
 * the handshake's answers, finalize and abort. A client that asks for PMI-2 in its first line
 * (MPICH 4.2's {@code MPIR_CVAR_PMI_VERSION=2}, Slurm-style builds) is served by {@link
 * Pmi2Commands} on the same state. No I/O here: the transport hands in each line a rank sent and
 * the {@link Peer} to answer; answers go out while the job is locked, so a barrier's releases reach
 * every rank before the next request is looked at.
 *
 * <p>A job fails at the first line it cannot accept (an unknown or out-of-range rank, a second
 * connection for one rank, an unknown command, an abort); the transport then stops every rank.
 */
public final class PmiJob {

  /** Where a rank's answers go. */
  public interface Peer {
    void send(String lines) throws IOException;
  }

  // What MPICH's client can take (simple_pmiutil.h: 1024-byte lines): hydra announces the same.
  static final int KVSNAME_MAX = 256;
  static final int KEYLEN_MAX = 64;
  static final int VALLEN_MAX = 1024;

  private final String kvsname;
  private final int size;
  private final LongSupplier clock;
  private final Map<String, String> kvs = new HashMap<>();
  private final Map<Peer, Integer> ranks = new IdentityHashMap<>();
  private final BitSet contacted = new BitSet();
  private final BitSet finalized = new BitSet();

  private record Waiting(Peer peer, String release) {}

  private final List<Waiting> inBarrier = new ArrayList<>();
  private long barrierSince;
  private final Pmi2Commands v2;

  /**
   * @param kvsname the job's key-value space name (no spaces)
   * @param size how many ranks
   * @param mapping {@code PMI_process_mapping}, put before any rank asks (MPICH reads it before its
   *     first barrier)
   * @param clock nanoseconds, for how long a barrier has waited
   */
  public PmiJob(String kvsname, int size, String mapping, LongSupplier clock) {
    if (kvsname.isEmpty() || kvsname.length() > KVSNAME_MAX || kvsname.contains(" ")) {
      throw new IllegalArgumentException("bad kvs name '" + kvsname + "'");
    }
    if (size < 1) {
      throw new IllegalArgumentException("a job of " + size + " ranks");
    }
    this.kvsname = kvsname;
    this.size = size;
    this.clock = clock;
    kvs.put("PMI_process_mapping", mapping);
    this.v2 = new Pmi2Commands(this, ProcessMapping.nodeOfRank(mapping, size));
  }

  public int size() {
    return size;
  }

  /**
   * Takes one line (without its newline) that {@code peer} sent; answers it. Returns true when the
   * client asked for PMI-2: its next commands come in PMI-2's framing, for {@link #handle2}.
   */
  public synchronized boolean handle(Peer peer, String line) throws PmiException, IOException {
    Map<String, String> kv = parse(line);
    String cmd = kv.getOrDefault("cmd", "");
    Integer rank = ranks.get(peer);
    if (rank == null && cmd.equals("init") && "2".equals(kv.get("pmi_version"))) {
      // PMI-2 has no initack: the rank names itself in fullinit, framed the PMI-2 way.
      peer.send("cmd=response_to_init pmi_version=2 pmi_subversion=0 rc=0\n");
      return true;
    }
    if (rank == null && !cmd.equals("initack")) {
      throw new PmiException(
          "a PMI client sent '"
              + cmd
              + "' before identifying itself (initack): was PMI_ID lost from its environment?");
    }
    switch (cmd) {
      case "initack" -> initack(peer, kv.get("pmiid"));
      case "init" -> init(peer, rank, kv);
      case "get_maxes" ->
          peer.send(
              "cmd=maxes kvsname_max="
                  + KVSNAME_MAX
                  + " keylen_max="
                  + KEYLEN_MAX
                  + " vallen_max="
                  + VALLEN_MAX
                  + "\n");
      case "get_appnum" -> peer.send("cmd=appnum appnum=0\n");
      case "get_my_kvsname" -> peer.send("cmd=my_kvsname kvsname=" + kvsname + "\n");
      case "get_universe_size" -> peer.send("cmd=universe_size size=" + size + "\n");
      case "put" -> put(peer, rank, kv);
      case "get" -> get(peer, kv);
      case "barrier_in" -> barrier(peer, "cmd=barrier_out\n");
      case "finalize" -> {
        finalized.set(rank);
        peer.send("cmd=finalize_ack\n");
      }
      case "abort" ->
          throw new PmiException(
              "rank "
                  + rank
                  + " aborted the job (MPI_Abort, exit code "
                  + kv.getOrDefault("exitcode", "?")
                  + ")");
      case "publish_name", "unpublish_name", "lookup_name" ->
          // MPI_Publish_name needs a name service across jobs, which Sifkube does not run.
          peer.send(
              "cmd="
                  + cmd.substring(0, cmd.indexOf('_'))
                  + "_result rc=1 msg=name_service_not_supported\n");
      default -> throw new PmiException("rank " + rank + " sent an unknown PMI command: " + line);
    }
    return false;
  }

  /** Takes one PMI-2 command body that {@code peer} sent (after its PMI-2 init); answers it. */
  public synchronized void handle2(Peer peer, String body) throws PmiException, IOException {
    v2.handle(peer, body);
  }

  String kvsname() {
    return kvsname;
  }

  Integer rankOf(Peer peer) {
    return ranks.get(peer);
  }

  String lookup(String key) {
    return kvs.get(key);
  }

  void store(String key, String value) {
    kvs.put(key, value);
  }

  void finalizedBy(int rank) {
    finalized.set(rank);
  }

  private void initack(Peer peer, String id) throws PmiException, IOException {
    int rank = identify(peer, id);
    peer.send(
        "cmd=initack\ncmd=set size=" + size + "\ncmd=set rank=" + rank + "\ncmd=set debug=0\n");
  }

  /** Takes {@code peer} as rank {@code id}: a rank in range, each once. */
  int identify(Peer peer, String id) throws PmiException {
    int rank;
    try {
      rank = Integer.parseInt(id);
    } catch (NumberFormatException e) {
      throw new PmiException("a PMI client sent pmiid=" + id + ", not a rank number");
    }
    if (rank < 0 || rank >= size) {
      throw new PmiException("a PMI client claims rank " + rank + " of a job of " + size);
    }
    if (contacted.get(rank) || ranks.containsKey(peer)) {
      throw new PmiException("rank " + rank + " connected to the PMI server twice");
    }
    contacted.set(rank);
    ranks.put(peer, rank);
    return rank;
  }

  private void init(Peer peer, int rank, Map<String, String> kv) throws PmiException, IOException {
    String version = kv.getOrDefault("pmi_version", "?");
    if (!version.equals("1")) {
      peer.send("cmd=response_to_init pmi_version=1 pmi_subversion=1 rc=-1\n");
      throw new PmiException(
          "rank " + rank + " asked for PMI version " + version + "; this server speaks PMI-1 only");
    }
    peer.send("cmd=response_to_init pmi_version=1 pmi_subversion=1 rc=0\n");
  }

  private void put(Peer peer, int rank, Map<String, String> kv) throws IOException {
    String key = kv.getOrDefault("key", "");
    String value = kv.getOrDefault("value", "");
    if (!kvsname.equals(kv.get("kvsname"))) {
      peer.send("cmd=put_result rc=-1 msg=unknown_kvsname\n");
    } else if (key.isEmpty() || key.length() > KEYLEN_MAX || value.length() > VALLEN_MAX) {
      peer.send("cmd=put_result rc=-1 msg=key_or_value_too_long\n");
    } else {
      kvs.put(key, value);
      peer.send("cmd=put_result rc=0 msg=success\n");
    }
  }

  private void get(Peer peer, Map<String, String> kv) throws IOException {
    String key = kv.getOrDefault("key", "");
    String value = kvsname.equals(kv.get("kvsname")) ? kvs.get(key) : null;
    if (value == null) {
      peer.send("cmd=get_result rc=-1 msg=key_" + key + "_not_found value=unknown\n");
    } else {
      peer.send("cmd=get_result rc=0 msg=success value=" + value + "\n");
    }
  }

  /** {@code peer} enters the barrier; once all are in, each gets its {@code release}. */
  void barrier(Peer peer, String release) throws IOException {
    if (inBarrier.isEmpty()) {
      barrierSince = clock.getAsLong();
    }
    inBarrier.add(new Waiting(peer, release));
    if (inBarrier.size() == size) {
      for (Waiting w : inBarrier) {
        w.peer().send(w.release());
      }
      inBarrier.clear();
    }
  }

  /**
   * A rank's connection ended. Before {@code finalize} that is a rank gone mid-job: its peers would
   * wait for it in the next barrier for ever, so the job fails.
   */
  public synchronized void closed(Peer peer) throws PmiException {
    Integer rank = ranks.get(peer);
    if (rank != null && !finalized.get(rank)) {
      throw new PmiException("rank " + rank + " closed its PMI connection before MPI_Finalize");
    }
  }

  /**
   * The ranks a barrier has waited for longer than {@code limitNanos}, or an empty list. A rank
   * that never comes (it hangs before {@code MPI_Init}, or started as a singleton) would otherwise
   * hold the others for ever.
   */
  public synchronized List<Integer> overdue(long limitNanos) {
    if (inBarrier.isEmpty() || clock.getAsLong() - barrierSince < limitNanos) {
      return List.of();
    }
    BitSet in = new BitSet();
    inBarrier.forEach(w -> in.set(ranks.get(w.peer())));
    List<Integer> missing = new ArrayList<>();
    for (int r = in.nextClearBit(0); r < size; r = in.nextClearBit(r + 1)) {
      missing.add(r);
    }
    return missing;
  }

  /** Whether rank {@code rank} ever identified itself to this job. */
  public synchronized boolean contacted(int rank) {
    return contacted.get(rank);
  }

  /** Whether rank {@code rank} called {@code PMI_Finalize}. */
  public synchronized boolean finalized(int rank) {
    return finalized.get(rank);
  }

  /** {@code cmd=put kvsname=k key=x value=y}: space-separated pairs; values hold no spaces. */
  static Map<String, String> parse(String line) throws PmiException {
    Map<String, String> kv = new LinkedHashMap<>();
    for (String t : line.trim().split(" +")) {
      int eq = t.indexOf('=');
      if (eq <= 0) {
        if (t.isEmpty()) {
          continue;
        }
        throw new PmiException("malformed PMI line (no key=value in '" + t + "'): " + line);
      }
      kv.put(t.substring(0, eq), t.substring(eq + 1));
    }
    return kv;
  }
}
