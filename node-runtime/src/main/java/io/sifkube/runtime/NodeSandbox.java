package io.sifkube.runtime;

import io.sifkube.spec.RunOptions;
import io.sifkube.sys.SyscallException;
import io.sifkube.sys.Syscalls;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * What the ranks of a parallel run on one node share, as a pod's containers share its sandbox: a
 * PID and an IPC namespace, held open by a process of their own, and a tmpfs bound as every rank's
 * {@code /dev/shm}. MPICH and UCX see node-local peers only through these: MPICH maps its start-up
 * segment in {@code /dev/shm}, and UCX's shared-memory transports compare the IPC and PID
 * namespaces of both ends (../shared/reference/mpi-pmi.md §4.3: without them the ranks fall back to
 * TCP, or {@code MPI_Init} aborts).
 *
 * <p>The holder is {@code unshare --pid --ipc --fork --kill-child sleep infinity}: its child is PID
 * 1 of the namespace, so {@link #close} (SIGKILL to unshare, which passes it to the child) ends
 * every rank at once, including one that is PID-1-deaf to SIGTERM; nothing is forked from the JVM.
 * The holder's and init's PIDs are kept in the directory, so that a restarted siflet can {@link
 * #adopt} the sandbox of ranks that still run, or {@link #cleanUp} one nobody wants.
 */
public final class NodeSandbox implements AutoCloseable {

  private final ProcessHandle holder;
  private final long init;
  private final Path dir;
  private final Path shm;
  private boolean shmMounted;

  private NodeSandbox(ProcessHandle holder, long init, Path dir, Path shm) {
    this.holder = holder;
    this.init = init;
    this.dir = dir;
    this.shm = shm;
  }

  /** Makes one in {@code dir} (created; removed again by {@link #close}). Needs root. */
  public static NodeSandbox create(Path dir) throws IOException {
    Files.createDirectories(dir);
    Process p =
        new ProcessBuilder(
                "unshare", "--pid", "--ipc", "--fork", "--kill-child", "sleep", "infinity")
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("holder.log").toFile())
            .start();
    NodeSandbox box = null;
    try {
      long child = childOf(p, dir.resolve("holder.log"));
      Path shm = Files.createDirectories(dir.resolve("shm"));
      Files.writeString(dir.resolve("pids"), p.pid() + " " + child + "\n");
      box = new NodeSandbox(p.toHandle(), child, dir, shm);
      // Its own tmpfs, with no size of its own (half the RAM, as the host's /dev/shm): UCX's
      // shared-memory FIFOs outgrow a container's default 64 MiB with a few ranks.
      Syscalls.mount("shm", shm, "tmpfs", Syscalls.MS_NOSUID | Syscalls.MS_NODEV, "mode=1777");
      box.shmMounted = true;
      return box;
    } catch (IOException | RuntimeException e) {
      if (box != null) {
        box.close();
      } else {
        p.destroyForcibly();
      }
      throw e;
    }
  }

  /**
   * The sandbox in {@code dir} made by an earlier process, if its holder still runs (it is then
   * this JVM's to close); empty otherwise.
   */
  public static Optional<NodeSandbox> adopt(Path dir) throws IOException {
    Path pids = dir.resolve("pids");
    if (!Files.exists(pids)) {
      return Optional.empty();
    }
    String[] p = Files.readString(pids).trim().split(" ");
    ProcessHandle h =
        ProcessHandle.of(Long.parseLong(p[0])).filter(NodeSandbox::isHolder).orElse(null);
    if (h == null) {
      return Optional.empty();
    }
    NodeSandbox box = new NodeSandbox(h, Long.parseLong(p[1]), dir, dir.resolve("shm"));
    box.shmMounted = true;
    return Optional.of(box);
  }

  /** Removes what is left of a sandbox nobody wants: its holder, its /dev/shm, the directory. */
  public static void cleanUp(Path dir) throws IOException {
    NodeSandbox box = adopt(dir).orElse(null);
    if (box != null) {
      box.close();
      return;
    }
    Path shm = dir.resolve("shm");
    try {
      Syscalls.umount(shm); // the holder died, its tmpfs may still be mounted
    } catch (SyscallException e) {
      // not mounted
    }
    Files.deleteIfExists(shm);
    Files.deleteIfExists(dir.resolve("holder.log"));
    Files.deleteIfExists(dir.resolve("pids"));
    Files.deleteIfExists(dir);
  }

  /** Whether the process is an unshare holder (a PID reused since would be something else). */
  private static boolean isHolder(ProcessHandle h) {
    return h.isAlive() && h.info().command().map(c -> c.endsWith("/unshare")).orElse(false);
  }

  /** The unshare's child, PID 1 of the new namespace, once it exists. */
  private static long childOf(Process p, Path log) throws IOException {
    Path children = Path.of("/proc/" + p.pid() + "/task/" + p.pid() + "/children");
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (System.nanoTime() < deadline) {
      if (!p.isAlive()) {
        throw new IOException(
            "unshare of the ranks' namespaces failed (exit "
                + p.exitValue()
                + "): "
                + Files.readString(log).trim());
      }
      String c = Files.exists(children) ? Files.readString(children).trim() : "";
      if (!c.isEmpty()) {
        return Long.parseLong(c.split(" ")[0]);
      }
      try {
        Thread.sleep(2);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted while making the ranks' namespaces", e);
      }
    }
    throw new IOException("unshare made no namespace holder within 10 s");
  }

  /** The processes that hold it: the unshare and its child, the namespaces' PID 1. */
  public long[] pids() {
    return new long[] {holder.pid(), init};
  }

  /** The spec's view of it: namespaces to join and the {@code /dev/shm} to bind. */
  public RunOptions.Sandbox spec() {
    return new RunOptions.Sandbox(
        "/proc/" + init + "/ns/pid", "/proc/" + init + "/ns/ipc", shm.toString());
  }

  /** Kills everything in the namespaces now; the ranks' runtimes then return (137). */
  public void killAll() {
    holder.destroyForcibly();
  }

  @Override
  public void close() throws IOException {
    killAll();
    try {
      holder.onExit().get(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException e) {
      // SIGKILL was sent; the unmount below says if something still holds the tmpfs
    }
    if (shmMounted) {
      try {
        Syscalls.umount(shm);
      } catch (SyscallException e) {
        throw new IOException("cannot unmount the ranks' /dev/shm " + shm + ": " + e.getMessage());
      }
      shmMounted = false;
    }
    Files.deleteIfExists(shm);
    Files.deleteIfExists(dir.resolve("holder.log"));
    Files.deleteIfExists(dir.resolve("pids"));
    Files.deleteIfExists(dir);
  }
}
