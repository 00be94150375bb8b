package io.sifkube.ranks;

import io.sifkube.pmi.PmiJob;
import io.sifkube.pmi.PmiServer;
import io.sifkube.pmi.ProcessMapping;
import io.sifkube.runtime.ContainerLauncher;
import io.sifkube.runtime.NodeSandbox;
import io.sifkube.spec.RunOptions;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;
import sun.misc.Signal;

/**
 * {@code sifctl run --ranks N}: N containers of one image on this host, started together, living
 * and dying together, as {@code mpirun -np N singularity exec} and {@code srun} start ranks.
 *
 * <ul>
 *   <li>The ranks share one {@link NodeSandbox} (PID and IPC namespaces, {@code /dev/shm}), so MPI
 *       finds its node-local peers through shared memory, and {@code PMI_process_mapping} says they
 *       share a node.
 *   <li>With PMI, a {@link PmiServer} on the loopback address listens before any rank starts.
 *   <li>The first failure ends them all: a rank exiting non-zero, an abort, a broken PMI exchange,
 *       a barrier that waits past the timeout, a rank that ends without ever contacting the PMI
 *       server (an MPI program that lost its PMI environment runs as a singleton, silently), or a
 *       signal to sifctl. Every rank is then killed through the sandbox.
 * </ul>
 */
public final class LocalRanks {

  /** How the ranks ended: the exit status sifctl gives, and the failure, if any. */
  public record Outcome(int status, String failure, List<Integer> statuses) {}

  private final ContainerLauncher launcher;
  private final Path stateDir;
  private final List<Integer> statuses;
  private NodeSandbox sandbox;
  private String failure;
  private int failedStatus = 1;

  public LocalRanks(ContainerLauncher launcher, Path stateDir, int ranks) {
    this.launcher = launcher.asChild();
    this.stateDir = stateDir;
    this.statuses = new ArrayList<>(Collections.nCopies(ranks, (Integer) null));
  }

  /**
   * Runs the ranks to their end.
   *
   * @param pmi wire them up through a PMI-1 server
   * @param barrierTimeout seconds a PMI barrier may wait for its last ranks (0: for ever)
   * @param onFailure told the first failure as it happens (before the ranks are reaped)
   */
  public Outcome run(
      Path sif,
      RunOptions base,
      boolean pmi,
      long barrierTimeout,
      ContainerLauncher.Devices devices,
      Consumer<String> onFailure)
      throws IOException {
    int n = statuses.size();
    Path dir =
        stateDir.resolve("ranks-" + Long.toHexString(ThreadLocalRandom.current().nextLong()));
    Files.createDirectories(dir);
    launcher.sweep();
    PmiServer server = null;
    try {
      sandbox = NodeSandbox.create(dir.resolve("sandbox"));
      String hostfile = RankEnv.hostfile(Collections.nCopies(n, hostName()));
      if (pmi) {
        InetAddress lo = InetAddress.getLoopbackAddress();
        PmiJob job =
            new PmiJob(
                dir.getFileName().toString(),
                n,
                ProcessMapping.block(List.of(n)),
                System::nanoTime);
        server =
            new PmiServer(
                job,
                new InetSocketAddress(lo, 0),
                Set.of(lo),
                barrierTimeout,
                why -> fail(why, 1, onFailure));
      }
      for (String sig : List.of("INT", "TERM", "HUP")) {
        int code = 128 + new Signal(sig).getNumber();
        Signal.handle(
            new Signal(sig),
            s -> fail("sifctl got SIG" + sig + ": stopping every rank", code, onFailure));
      }
      List<Thread> threads = new ArrayList<>();
      for (int r = 0; r < n; r++) {
        RunOptions opts = forRank(base, r, n, server, hostfile);
        int rank = r;
        PmiServer srv = server;
        Thread t = new Thread(() -> runRank(rank, sif, opts, devices, srv, onFailure), "rank-" + r);
        threads.add(t);
        t.start();
      }
      for (Thread t : threads) {
        join(t);
      }
      synchronized (this) {
        // a rank killed before it started has no status: null
        return new Outcome(
            failure == null ? 0 : failedStatus,
            failure,
            Collections.unmodifiableList(new ArrayList<>(statuses)));
      }
    } finally {
      if (server != null) {
        server.close();
      }
      if (sandbox != null) {
        sandbox.close();
      }
      Files.deleteIfExists(dir);
    }
  }

  private RunOptions forRank(RunOptions base, int r, int n, PmiServer server, String hostfile) {
    List<String> env = new ArrayList<>(base.env());
    env.addAll(RankEnv.of(r, n, server == null ? null : server.address()));
    Map<String, String> files = new HashMap<>(base.extras().files());
    files.put(RankEnv.HOSTFILE, hostfile);
    return base.toBuilder()
        .env(env)
        .build()
        .withExtras(base.extras().toBuilder().sandbox(sandbox.spec()).files(files).build());
  }

  private void runRank(
      int rank,
      Path sif,
      RunOptions opts,
      ContainerLauncher.Devices devices,
      PmiServer server,
      Consumer<String> onFailure) {
    int status;
    try {
      status = launcher.run(sif, opts, devices);
    } catch (IOException | RuntimeException e) {
      fail("rank " + rank + ": " + e.getMessage(), 1, onFailure);
      return;
    }
    synchronized (this) {
      statuses.set(rank, status);
    }
    if (status != 0) {
      fail("rank " + rank + " exited with status " + status, status, onFailure);
    } else if (server != null && !server.job().contacted(rank)) {
      fail(
          "rank "
              + rank
              + " ended without contacting the PMI server: an MPI program that lost PMI_PORT and"
              + " PMI_ID runs alone as a singleton (or the command is not an MPI program: use"
              + " --mpi none)",
          1,
          onFailure);
    }
  }

  /** The first failure stops every rank; later ones (the ranks it killed) add nothing. */
  private void fail(String why, int status, Consumer<String> onFailure) {
    synchronized (this) {
      if (failure != null) {
        return;
      }
      failure = why;
      failedStatus = status;
    }
    onFailure.accept(why);
    if (sandbox != null) {
      sandbox.killAll();
    }
  }

  private static void join(Thread t) {
    while (true) {
      try {
        t.join();
        return;
      } catch (InterruptedException e) {
        // the ranks are stopped through the sandbox; keep waiting for them to be reaped
      }
    }
  }

  private static String hostName() {
    try {
      return Files.readString(Path.of("/proc/sys/kernel/hostname")).trim();
    } catch (IOException e) {
      return "localhost";
    }
  }
}
