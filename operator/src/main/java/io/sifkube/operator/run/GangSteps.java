package io.sifkube.operator.run;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.sifkube.api.v1alpha1.SifNode;
import io.sifkube.api.v1alpha1.SifRun;
import io.sifkube.api.v1alpha1.SifRunStatus;
import io.sifkube.api.v1alpha1.SifRunStatus.Phase;
import io.sifkube.api.v1alpha1.SifRunStatus.Rank;
import io.sifkube.node.v1.ContainerConfig;
import io.sifkube.node.v1.ContainerState;
import io.sifkube.node.v1.ContainerStatus;
import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * The steps of a parallel run ({@code parallelism > 1}): its ranks placed all at once or not at all
 * ({@link GangScheduler}), the image pulled on every node they use, every rank created before any
 * starts, then all started together; watched as one, so that the first rank to fail stops the
 * others and fails the attempt (the whole gang retries, as a failed Slurm step is run again), and
 * the run succeeds when every rank exited 0.
 *
 * <p>The status keeps a table of the ranks (node, container, phase, exit code); {@code node} and
 * {@code containerID}, which name the one container of a plain run, stay empty.
 */
final class GangSteps {

  /** What the gang needs of the reconciler: its nodes, cache and the outcomes of an attempt. */
  interface Host {
    NodeCalls node(String name);

    boolean nodeReady(String name);

    /** Whether the node has been NotReady past the grace (or is gone): see {@link NodeGrace}. */
    boolean nodeLost(String name);

    /** NodeLost's message for the node: since when it is not Ready, the grace if it had started. */
    String notReadyFor(String name, boolean started);

    /** The node's gRPC address (its host goes in the hostfile). */
    String address(String name);

    List<SifNode> nodes();

    Collection<SifRun> runs();

    /** Pulls the run's image on {@code node}; its digest, or null when the run was refused. */
    String pull(SifRun run, String node);

    /** Throws when this process already launched {@code attempt} (the copy is stale). */
    void notLaunchedYet(SifRun run, int attempt);

    void launched(SifRun run, int attempt);

    /** Whether the server's copy still shows this attempt (else: throws a stale marker). */
    void checkCurrent(SifRun run);

    Duration attemptFailed(SifRun run, int code, String reason, String message);

    void finish(SifRun run, Phase phase, String reason, String message);
  }

  /**
   * Calls to the ranks' nodes, made in parallel: a rank that ignores SIGTERM costs its grace period
   * once, not N times.
   */
  private static final ExecutorService CALLS =
      Executors.newCachedThreadPool(
          r -> {
            Thread t = new Thread(r, "gang-call");
            t.setDaemon(true);
            return t;
          });

  private final Host host;
  private final Placements placements;
  private final PmiServers pmi;

  GangSteps(Host host, Placements placements, PmiServers pmi) {
    this.host = host;
    this.placements = placements;
    this.pmi = pmi;
  }

  /**
   * Runs with more than one rank, or wired up for MPI, go through these steps. A run that is placed
   * keeps the way it was placed until its attempt ends, whatever its spec now says: an edit of
   * {@code parallelism} mid-run must not strand ranks, or look for ranks a plain run never had.
   */
  static boolean isGang(SifRun run) {
    SifRunStatus s = run.getStatus();
    boolean active =
        s != null
            && (s.phase == Phase.Scheduled || s.phase == Phase.Pulling || s.phase == Phase.Running);
    if (active && s.ranks != null) {
      return true;
    }
    if (active && s.node != null) {
      return false;
    }
    return run.getSpec() != null
        && (GangScheduler.ranks(run.getSpec()) > 1 || run.getSpec().mpi != null);
  }

  /** Advances the run one step; returns when to look again (null: no need). */
  Duration step(SifRun run) {
    SifRunStatus s = run.getStatus();
    if (s.phase == null || s.phase == Phase.Pending) {
      Duration wait = place(run);
      if (wait != null || s.phase == Phase.Failed) {
        return wait;
      }
    }
    if (s.phase == Phase.Scheduled || s.phase == Phase.Pulling) {
      Duration retry = launch(run);
      if (s.phase != Phase.Running) {
        return retry; // refused, or the attempt failed (its backoff): the status says which
      }
    }
    return watch(run);
  }

  /** Places every rank or none; null when placed, else when to look again. */
  private Duration place(SifRun run) {
    SifRunStatus s = run.getStatus();
    GangScheduler.Decision d = placements.placeGang(run, host.nodes(), host.runs());
    Long gen = run.getMetadata().getGeneration();
    if (!d.placed()) {
      s.phase = Phase.Pending;
      s.reason = "Unschedulable";
      s.message = d.why();
      Conditions.set(s.conditions, "Scheduled", false, "Unschedulable", d.why(), gen);
      Long timeout = run.getSpec().gangTimeoutSeconds;
      if (timeout == null) {
        return Duration.ofSeconds(5);
      }
      Instant since =
          ApiTimes.parse(Conditions.get(s.conditions, "Scheduled").getLastTransitionTime());
      Instant due = since.plusSeconds(timeout);
      if (!Instant.now().isBefore(due)) {
        host.finish(
            run,
            Phase.Failed,
            "GangTimeout",
            "its ranks could not all be placed within gangTimeoutSeconds ("
                + timeout
                + "): "
                + d.why());
        return null;
      }
      Duration left = Duration.between(Instant.now(), due);
      return left.compareTo(Duration.ofSeconds(5)) < 0 ? left : Duration.ofSeconds(5);
    }
    List<Rank> ranks = new ArrayList<>();
    for (int i = 0; i < d.nodeOfRank().size(); i++) {
      Rank r = new Rank();
      r.rank = i;
      r.node = d.nodeOfRank().get(i);
      r.phase = Phase.Scheduled;
      ranks.add(r);
    }
    s.ranks = ranks;
    s.readyRanks = "0/" + ranks.size();
    s.exitCode = null;
    s.outputTail = null;
    s.phase = Phase.Scheduled;
    s.reason = "Scheduled";
    s.message = d.why();
    Conditions.set(s.conditions, "Scheduled", true, "Scheduled", d.why(), gen);
    return null;
  }

  /**
   * Pulls on every node, creates every rank, then starts them all; when the attempt fails before it
   * starts, returns its backoff.
   */
  private Duration launch(SifRun run) {
    SifRunStatus s = run.getStatus();
    // Nothing runs yet: a node not Ready now fails the attempt at once, with no grace to wait.
    String lost = firstNode(run, n -> !host.nodeReady(n));
    if (lost != null) {
      placements.forget(run.getMetadata().getUid());
      return host.attemptFailed(run, -1, "NodeLost", host.notReadyFor(lost, false));
    }
    s.phase = Phase.Pulling;
    Map<String, String> digests = new LinkedHashMap<>();
    for (Rank r : s.ranks) {
      if (!digests.containsKey(r.node)) {
        String digest = host.pull(run, r.node);
        if (digest == null) {
          return null; // refused (verification): finished by the host
        }
        digests.put(r.node, digest);
      }
    }
    if (digests.values().stream().distinct().count() > 1) {
      // A tag that moved between two pulls: ranks of one gang must run one image.
      return host.attemptFailed(
          run, -1, "ImageChanged", "the nodes pulled different images: " + digests);
    }
    int attempt = (s.attempts == null ? 0 : s.attempts) + 1;
    host.notLaunchedYet(run, attempt);
    List<String> addresses = s.ranks.stream().map(r -> host.address(r.node)).toList();
    ContainerConfig base = ContainerConfigs.of(run.getSpec(), digests.values().iterator().next());
    RankConfigs.Wiring wiring =
        new RankConfigs.Wiring(
            run.getMetadata().getName(),
            RankConfigs.hostfile(addresses),
            // one per node and attempt: a retried gang never joins what its last attempt left
            "sr-" + run.getMetadata().getUid() + "-" + attempt,
            run.getSpec().mpi == null ? null : servePmi(run, attempt, addresses));
    List<ContainerStatus> created;
    try {
      created =
          all(
              s.ranks,
              r ->
                  host.node(r.node)
                      .create(
                          containerId(run, attempt, r.rank),
                          RankConfigs.of(base, run.getSpec(), r.rank, wiring),
                          labels(run, attempt, r.rank)));
      List<Rank> toStart = new ArrayList<>();
      for (int i = 0; i < s.ranks.size(); i++) {
        if (created.get(i).getState() == ContainerState.CONTAINER_CREATED) {
          toStart.add(s.ranks.get(i));
        }
      }
      each(toStart, r -> host.node(r.node).start(containerId(run, attempt, r.rank)));
    } catch (RuntimeException e) {
      // Nothing of a gang runs unless all of it does: what was made of this attempt goes.
      for (Rank r : s.ranks) {
        r.containerID = containerId(run, attempt, r.rank);
      }
      try {
        stopAll(run, 0);
      } catch (RuntimeException again) {
        e.addSuppressed(again); // the orphan sweep removes what is left once the run moved on
      }
      if (!(e instanceof StatusRuntimeException sre)
          || sre.getStatus().getCode() != Status.Code.INVALID_ARGUMENT) {
        throw e;
      }
      host.finish(
          run,
          Phase.Failed,
          "InvalidSpec",
          "siflet refused a rank of the run: " + sre.getStatus().getDescription());
      return null;
    }
    host.launched(run, attempt);
    List<SifRunStatus.InjectedDevice> devices = new ArrayList<>();
    for (int i = 0; i < s.ranks.size(); i++) {
      Rank r = s.ranks.get(i);
      r.containerID = containerId(run, attempt, r.rank);
      r.phase = Phase.Running;
      r.exitCode = null;
      var d = SifRunReconciler.devices(created.get(i).getDevicesList(), r.node);
      if (d != null) {
        devices.addAll(d);
      }
    }
    s.devices = devices.isEmpty() ? null : devices;
    s.attempts = attempt;
    s.readyRanks = s.ranks.size() + "/" + s.ranks.size();
    s.phase = Phase.Running;
    s.reason = "Started";
    s.message =
        "attempt "
            + attempt
            + ": "
            + s.ranks.size()
            + " ranks started on "
            + s.ranks.stream().map(r -> r.node).distinct().toList();
    if (s.startTime == null) {
      s.startTime = Instant.now().toString();
    }
    return null;
  }

  /** Starts the attempt's PMI server, taking the ranks' nodes as its only peers. */
  private String servePmi(SifRun run, int attempt, List<String> addresses) {
    Set<InetAddress> peers = new HashSet<>();
    for (String a : addresses) {
      String h = RankConfigs.host(a);
      try {
        peers.addAll(List.of(InetAddress.getAllByName(h))); // every address the node has
      } catch (UnknownHostException e) {
        throw new IllegalStateException("PMI: cannot resolve the node address " + h);
      }
    }
    try {
      return pmi.open(
          run, attempt, run.getStatus().ranks.stream().map(r -> r.node).toList(), peers);
    } catch (IOException e) {
      throw new IllegalStateException("PMI: cannot listen for the ranks: " + e.getMessage());
    }
  }

  /** Looks at every rank: the first failure fails the attempt, all exited 0 ends the run. */
  private Duration watch(SifRun run) {
    SifRunStatus s = run.getStatus();
    boolean mpi = run.getSpec().mpi != null;
    String lost = lostNode(run);
    if (lost != null) {
      // a node NotReady past the grace, or deleted: its ranks cannot be reached or trusted
      return fail(run, -1, "NodeLost", host.notReadyFor(lost, true));
    }
    int running = 0;
    Rank failed = null;
    String failedReason = null;
    for (Rank r : s.ranks) {
      Optional<ContainerStatus> c = host.node(r.node).status(r.containerID);
      if (c.isEmpty()) {
        host.checkCurrent(run);
        return fail(
            run, -1, "ContainerLost", "rank " + r.rank + "'s container is gone from " + r.node);
      }
      if (c.get().getState() != ContainerState.CONTAINER_EXITED) {
        running++;
        continue;
      }
      r.exitCode = c.get().getExitCode();
      r.phase = r.exitCode == 0 ? Phase.Succeeded : Phase.Failed;
      if (r.exitCode == 0 && mpi && !pmi.contacted(run, r.rank)) {
        // Its peers would wait for it at the first barrier until the timeout: fail now.
        tail(s, r);
        return fail(
            run,
            -1,
            "MPIFailed",
            "rank "
                + r.rank
                + " ended without contacting the PMI server: an MPI program that lost PMI_PORT"
                + " and PMI_ID runs alone as a singleton (or the command is no MPI program:"
                + " leave out spec.mpi)");
      }
      if (r.exitCode != 0 && failed == null) {
        failed = r;
        failedReason = c.get().getReason();
      }
    }
    s.readyRanks = running + "/" + s.ranks.size();
    // What the PMI server saw says more than an exit code (an abort names its rank and code).
    boolean served = mpi && pmi.serving(run, s.attempts);
    String wireUp = served ? pmi.failure(run, s.attempts) : null;
    if (failed != null) {
      tail(s, failed);
      s.exitCode = failed.exitCode;
      return wireUp != null
          ? fail(run, failed.exitCode, "MPIFailed", "PMI: " + wireUp)
          : fail(
              run,
              failed.exitCode,
              failedReason,
              "rank " + failed.rank + " exited with " + failed.exitCode + " on " + failed.node);
    }
    if (running == 0) {
      tail(s, s.ranks.get(0));
      s.exitCode = 0;
      host.finish(
          run,
          Phase.Succeeded,
          "Completed",
          "all " + s.ranks.size() + " ranks exited 0 on attempt " + s.attempts);
      try {
        stopAll(run, 0);
      } catch (RuntimeException e) {
        // The run has succeeded whatever happens here; the orphan sweep removes what is left.
      }
      return null;
    }
    if (wireUp != null) {
      return fail(run, -1, "MPIFailed", "PMI: " + wireUp);
    }
    if (mpi && !served) {
      host.checkCurrent(run); // a copy an attempt behind must not fail the one that runs
      return fail(
          run,
          -1,
          "MPIFailed",
          "PMI: the PMI server of attempt "
              + s.attempts
              + " is gone (the operator that served it restarted or lost the lead)");
    }
    return SifRunReconciler.FALLBACK; // exits come as events
  }

  private void tail(SifRunStatus s, Rank r) {
    String t = host.node(r.node).tail(r.containerID);
    s.outputTail = t.isEmpty() ? null : t; // the schema refuses an empty string
  }

  /** Stops every rank and counts the attempt as failed. */
  Duration fail(SifRun run, int code, String reason, String message) {
    stopAll(run, 0);
    return host.attemptFailed(run, code, reason, message);
  }

  /** The first node of the gang's ranks that counts as lost (see {@link NodeGrace}), or null. */
  String lostNode(SifRun run) {
    return firstNode(run, host::nodeLost);
  }

  private static String firstNode(SifRun run, Predicate<String> which) {
    return nodesOf(run).stream().filter(which).findFirst().orElse(null);
  }

  /** The distinct nodes of the gang's ranks once placed (none while Pending). */
  static List<String> nodesOf(SifRun run) {
    List<Rank> ranks = run.getStatus().ranks;
    if (ranks == null || run.getStatus().phase == Phase.Pending) {
      return List.of();
    }
    return ranks.stream().map(r -> r.node).filter(Objects::nonNull).distinct().toList();
  }

  /**
   * Stops and removes every rank's container, all at once; a rank on a lost node is left to its
   * siflet, which removes what no run wants when it returns. Throws when a Ready node refuses.
   *
   * @param graceSeconds how long a rank has between SIGTERM and SIGKILL (0: killed now)
   */
  void stopAll(SifRun run, long graceSeconds) {
    pmi.close(run.getMetadata().getUid(), run.getStatus().attempts);
    List<Rank> ranks = run.getStatus().ranks;
    if (ranks == null) {
      return;
    }
    for (Rank r : ranks) {
      if (r.phase == Phase.Running || r.phase == Phase.Scheduled) {
        r.phase = Phase.Failed; // stopped with its gang
      }
    }
    List<Rank> placed = ranks.stream().filter(r -> r.containerID != null).toList();
    each(
        placed,
        r -> {
          try {
            if (graceSeconds == 0) {
              host.node(r.node).remove(r.containerID); // siflet kills it first
            } else {
              host.node(r.node).stopAndRemove(r.containerID, graceSeconds);
            }
          } catch (StatusRuntimeException e) {
            if (e.getStatus().getCode() != Status.Code.NOT_FOUND && host.nodeReady(r.node)) {
              throw e;
            }
          } catch (IllegalStateException noNode) {
            // its SifNode was deleted: nothing to reach
          }
        });
    run.getStatus().readyRanks = "0/" + ranks.size();
  }

  /** Calls {@code f} for every rank at once; their results in order, or the first failure. */
  private static <T> List<T> all(List<Rank> ranks, java.util.function.Function<Rank, T> f) {
    List<CompletableFuture<T>> calls =
        ranks.stream().map(r -> CompletableFuture.supplyAsync(() -> f.apply(r), CALLS)).toList();
    List<T> out = new ArrayList<>();
    RuntimeException first = null;
    for (CompletableFuture<T> c : calls) {
      try {
        out.add(c.join());
      } catch (CompletionException e) {
        if (first == null) {
          first = e.getCause() instanceof RuntimeException re ? re : new IllegalStateException(e);
        }
      }
    }
    if (first != null) {
      throw first;
    }
    return out;
  }

  private static void each(List<Rank> ranks, Consumer<Rank> f) {
    all(
        ranks,
        r -> {
          f.accept(r);
          return null;
        });
  }

  /** Rank {@code rank}'s container in {@code attempt}: the same for every reconcile of it. */
  static String containerId(SifRun run, int attempt, int rank) {
    return "sr-" + run.getMetadata().getUid() + "-" + attempt + "-r" + rank;
  }

  private static Map<String, String> labels(SifRun run, int attempt, int rank) {
    return Map.of(
        ContainerEventSource.RUN_NAMESPACE,
        run.getMetadata().getNamespace(),
        ContainerEventSource.RUN_NAME,
        run.getMetadata().getName(),
        "sifkube.io/run-uid",
        run.getMetadata().getUid(),
        "sifkube.io/attempt",
        Integer.toString(attempt),
        "sifkube.io/rank",
        Integer.toString(rank));
  }
}
