package io.sifkube.operator.run;

import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.inbound.SimpleInboundEventSource;
import io.sifkube.api.v1alpha1.SifRun;
import io.sifkube.pmi.PmiJob;
import io.sifkube.pmi.PmiServer;
import io.sifkube.pmi.ProcessMapping;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The PMI-1 servers of the MPI gangs this operator runs: one per attempt, listening on the
 * operator's address, taking connections only from the ranks' nodes (docs/mpi.md says why the
 * server lives here). A failure the server sees (an abort, a barrier that waits too long, a rank
 * that hangs up before finalize) wakes the run's reconcile through {@link #events}, which fails the
 * attempt and stops every rank.
 *
 * <p>A server lives in this process only: an operator that restarts, or a new leader, has none for
 * the attempts that were running, and those attempts fail ({@link #failure}) and are retried whole,
 * as Slurm reruns a step whose srun died.
 */
public final class PmiServers implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(PmiServers.class);

  private record Served(int attempt, PmiServer server) {}

  private final InetAddress bind;
  private final long barrierTimeoutSeconds;
  private final Map<String, Served> byRun = new ConcurrentHashMap<>();
  private final SimpleInboundEventSource<SifRun> events =
      new SimpleInboundEventSource<>("pmi-failures");

  /**
   * @param bind the address ranks reach the operator at
   * @param barrierTimeoutSeconds how long a barrier may wait for its last ranks (0: for ever)
   */
  public PmiServers(InetAddress bind, long barrierTimeoutSeconds) {
    this.bind = bind;
    this.barrierTimeoutSeconds = barrierTimeoutSeconds;
  }

  SimpleInboundEventSource<SifRun> events() {
    return events;
  }

  /**
   * Starts the server of {@code attempt} of {@code run}, whose rank i runs on {@code nodeOfRank[i]}
   * (block order: each node's ranks are consecutive); returns {@code PMI_PORT}'s value.
   *
   * @param peers the addresses the ranks connect from (their nodes')
   */
  String open(SifRun run, int attempt, List<String> nodeOfRank, Set<InetAddress> peers)
      throws IOException {
    String uid = run.getMetadata().getUid();
    close(uid);
    PmiJob job =
        new PmiJob(
            "sifrun-" + uid + "-" + attempt,
            nodeOfRank.size(),
            ProcessMapping.block(ranksPerNode(nodeOfRank)),
            System::nanoTime);
    ResourceID id = ResourceID.fromResource(run);
    PmiServer server =
        new PmiServer(
            job,
            new InetSocketAddress(bind, 0),
            peers,
            barrierTimeoutSeconds,
            why -> {
              LOG.info("{}: PMI: {}", id, why);
              events.propagateEvent(id);
            });
    byRun.put(uid, new Served(attempt, server));
    return server.address();
  }

  /** How many ranks each node holds, in node order, for a block layout. */
  static List<Integer> ranksPerNode(List<String> nodeOfRank) {
    List<Integer> out = new ArrayList<>();
    String last = null;
    for (String n : nodeOfRank) {
      if (n.equals(last)) {
        out.set(out.size() - 1, out.get(out.size() - 1) + 1);
      } else {
        out.add(1);
        last = n;
      }
    }
    return out;
  }

  /** Whether this process serves {@code attempt} of the run. */
  boolean serving(SifRun run, Integer attempt) {
    Served s = byRun.get(run.getMetadata().getUid());
    return s != null && attempt != null && s.attempt() == attempt;
  }

  /** What went wrong with the wire-up of {@code attempt}, or null (also when not served here). */
  String failure(SifRun run, Integer attempt) {
    Served s = byRun.get(run.getMetadata().getUid());
    return s == null || attempt == null || s.attempt() != attempt ? null : s.server().failure();
  }

  /** Whether rank {@code rank} contacted the run's server (false: it ran as a singleton). */
  boolean contacted(SifRun run, int rank) {
    Served s = byRun.get(run.getMetadata().getUid());
    return s == null || s.server().job().contacted(rank);
  }

  /**
   * Stops serving {@code attempt} of the run (it ended); a later attempt's server, which a copy of
   * the run a patch behind does not know, stays.
   */
  void close(String uid, Integer attempt) {
    Served s = byRun.get(uid);
    if (s != null && (attempt == null || s.attempt() <= attempt)) {
      close(uid);
    }
  }

  /** Stops serving the run, whatever its attempt (it is deleted). */
  void close(String uid) {
    Served s = byRun.remove(uid);
    if (s != null) {
      s.server().close();
    }
  }

  @Override
  public void close() {
    byRun.keySet().forEach(this::close);
  }
}
