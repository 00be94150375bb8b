package io.sifkube.siflet.containers;

import io.sifkube.runtime.OciLifecycle;
import io.sifkube.spec.RunOptions;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * What {@link Containers} needs of the host: mount a bundle and create the container under a
 * monitor, signal it, read its exit code and log, release and delete it. {@link ConmonBackend} is
 * the real one (conmon + crun/runc); tests of the API's semantics use a fake.
 */
public interface Backend {

  /** Mounts {@code sif} and creates container {@code id} (not started) for {@code opts}. */
  void create(String id, Path sif, RunOptions opts) throws IOException;

  void start(String id) throws IOException;

  /**
   * Moves a process that must outlive siflet's pod (a sandbox's namespace holder) where the
   * containers' monitors go; nothing where monitors stay with siflet.
   */
  default void keepApart(long pid) throws IOException {}

  /** Sends {@code signal} (TERM, KILL, …) to the container's process. */
  void kill(String id, String signal) throws IOException;

  /** The exit code, once the monitor recorded one. */
  Optional<Integer> exitCode(String id) throws IOException;

  /** When the exit was recorded. */
  Optional<Instant> exitTime(String id) throws IOException;

  /** True when the kernel's OOM killer ended the container. */
  boolean oomKilled(String id);

  /** The process id on the host, or 0. */
  long pid(String id) throws IOException;

  /** True while the container's monitor runs. */
  boolean monitorAlive(String id) throws IOException;

  /** Frees the runtime's record and the mounts of an ended container; keeps log and exit code. */
  void release(String id) throws IOException;

  /** Removes everything of the container (stopping what still runs). */
  void delete(String id) throws IOException;

  /** The container's log in k8s-file format (may not exist yet). */
  Path logFile(String id);

  /** Runs a command in the running container. */
  OciLifecycle.ExecResult exec(String id, List<String> command, long timeoutSeconds)
      throws IOException;

  /**
   * Watches for the exit of container {@code id} (created, or adopted after a restart), so that
   * {@link #awaitExitSignal} wakes when it ends. The watch ends with {@link #release} or {@link
   * #delete}.
   */
  default void watch(String id) throws IOException {}

  /**
   * Waits until a watched container may have exited, or {@code millis} passed. A wake-up is a hint,
   * not a promise: the caller checks {@link #exitCode}. This default sleeps a little, so callers
   * poll.
   */
  default void awaitExitSignal(long millis) throws InterruptedException {
    Thread.sleep(Math.min(millis, 10));
  }

  /** Rebuilds what the backend shares between containers after a restart, before any recovery. */
  default void recover() throws IOException {}

  /** The image file {@code sif} is about to be deleted: let go of what holds it open. */
  default void forgetImage(Path sif) {}

  /** siflet is stopping: let go of what no container needs (running containers keep theirs). */
  default void stop() {}

  /** IDs of containers the host holds something of (monitor state or bundle). */
  Set<String> leftovers() throws IOException;
}
