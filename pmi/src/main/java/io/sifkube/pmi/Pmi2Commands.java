package io.sifkube.pmi;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * PMI-2's commands on a {@link PmiJob}'s state (mpi-pmi.md §2; Slurm's {@code pmi2.c} is the
 * reference server): {@code fullinit}, {@code job-getid}, {@code kvs-put}/{@code kvs-get}, {@code
 * kvs-fence} (the job's barrier: puts are visible at once, which a fence only has to guarantee
 * after it), {@code info-getjobattr} ({@code PMI_process_mapping}, which a PMI-2 MPICH requires),
 * the node-scoped {@code info-putnodeattr}/{@code info-getnodeattr} (with {@code wait=TRUE} held
 * until the key appears on the rank's node), {@code finalize} and {@code abort}. Called with the
 * job locked.
 */
final class Pmi2Commands {

  private record Held(PmiJob.Peer peer, int node) {}

  private final PmiJob job;
  private final int[] nodeOfRank;
  private final Map<String, String> nodeAttrs = new HashMap<>(); // "node/key" -> value
  private final Map<String, List<Held>> held = new HashMap<>(); // "node/key" -> waiting getters

  Pmi2Commands(PmiJob job, int[] nodeOfRank) {
    this.job = job;
    this.nodeOfRank = nodeOfRank;
  }

  void handle(PmiJob.Peer peer, String body) throws PmiException, IOException {
    Map<String, String> kv = Pmi2Wire.parse(body);
    String cmd = kv.getOrDefault("cmd", "");
    if (cmd.equals("fullinit")) {
      int rank = job.identify(peer, kv.getOrDefault("pmirank", "?"));
      reply(
          peer,
          "fullinit-response",
          "rc",
          "0",
          "pmi-version",
          "2",
          "pmi-subversion",
          "0",
          "rank",
          Integer.toString(rank),
          "size",
          Integer.toString(job.size()),
          "appnum",
          "0",
          "debugged",
          "FALSE",
          "pmiverbose",
          "FALSE");
      return;
    }
    Integer rank = job.rankOf(peer);
    if (rank == null) {
      throw new PmiException(
          "a PMI-2 client sent '"
              + cmd
              + "' before fullinit: was PMI_ID lost from its environment?");
    }
    String key = kv.getOrDefault("key", "");
    switch (cmd) {
      case "job-getid" -> reply(peer, "job-getid-response", "rc", "0", "jobid", job.kvsname());
      case "kvs-put" -> {
        job.store(key, kv.getOrDefault("value", ""));
        reply(peer, "kvs-put-response", "rc", "0");
      }
      case "kvs-fence" -> job.barrier(peer, frame("kvs-fence-response", "rc", "0"));
      case "kvs-get" -> found(peer, "kvs-get-response", job.lookup(key));
      case "info-getjobattr" ->
          found(
              peer,
              "info-getjobattr-response",
              key.equals("universeSize") ? Integer.toString(job.size()) : jobAttr(key));
      case "info-putnodeattr" -> putNodeAttr(peer, rank, key, kv.getOrDefault("value", ""));
      case "info-getnodeattr" -> {
        String at = nodeOfRank[rank] + "/" + key;
        String value = nodeAttrs.get(at);
        if (value == null && "TRUE".equals(kv.get("wait"))) {
          held.computeIfAbsent(at, k -> new ArrayList<>()).add(new Held(peer, nodeOfRank[rank]));
        } else {
          found(peer, "info-getnodeattr-response", value);
        }
      }
      case "finalize" -> {
        job.finalizedBy(rank);
        reply(peer, "finalize-response", "rc", "0");
      }
      case "abort" ->
          throw new PmiException(
              "rank "
                  + rank
                  + " aborted the job (MPI_Abort"
                  + (kv.containsKey("msg") ? ": " + kv.get("msg") : "")
                  + ")");
      case "name-publish", "name-unpublish", "name-lookup" ->
          // MPI_Publish_name needs a name service across jobs, which Sifkube does not run.
          reply(peer, cmd + "-response", "rc", "1", "errmsg", "name service not supported");
      default -> throw new PmiException("rank " + rank + " sent an unknown PMI-2 command: " + body);
    }
  }

  private String jobAttr(String key) {
    return key.equals("PMI_process_mapping") ? job.lookup(key) : null;
  }

  private void putNodeAttr(PmiJob.Peer peer, int rank, String key, String value)
      throws IOException {
    String at = nodeOfRank[rank] + "/" + key;
    nodeAttrs.put(at, value);
    reply(peer, "info-putnodeattr-response", "rc", "0");
    List<Held> waiting = held.remove(at);
    if (waiting != null) {
      for (Held h : waiting) {
        found(h.peer(), "info-getnodeattr-response", value);
      }
    }
  }

  private static void found(PmiJob.Peer peer, String response, String value) throws IOException {
    if (value == null) {
      reply(peer, response, "rc", "0", "found", "FALSE");
    } else {
      reply(peer, response, "rc", "0", "found", "TRUE", "value", value);
    }
  }

  private static void reply(PmiJob.Peer peer, String response, String... keysAndValues)
      throws IOException {
    peer.send(frame(response, keysAndValues));
  }

  private static String frame(String response, String... keysAndValues) {
    return Pmi2Wire.frame(Pmi2Wire.command(response, keysAndValues));
  }
}
