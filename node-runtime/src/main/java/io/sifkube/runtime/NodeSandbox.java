package io.sifkube.runtime;

import io.sifkube.spec.RunOptions;
import io.sifkube.sys.SyscallException;
import io.sifkube.sys.Syscalls;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

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
 */
public final class NodeSandbox implements AutoCloseable {

  private final Process holder;
  private final long init;
  private final Path dir;
  private final Path shm;
  private boolean shmMounted;

  private NodeSandbox(Process holder, long init, Path dir, Path shm) {
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
      box = new NodeSandbox(p, child, dir, shm);
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
      holder.waitFor(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
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
    Files.deleteIfExists(dir);
  }
}
