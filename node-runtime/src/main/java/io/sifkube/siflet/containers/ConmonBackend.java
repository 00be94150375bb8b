package io.sifkube.siflet.containers;

import io.sifkube.mount.KernelMounter;
import io.sifkube.runtime.ContainerException;
import io.sifkube.runtime.ContainerLauncher;
import io.sifkube.runtime.OciLifecycle;
import io.sifkube.runtime.OciRuntime;
import io.sifkube.spec.RunOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * The real backend: bundles under {@code runDir/bundles/ID} (an overlay on the image's layers,
 * which are mounted in place once per image under {@code runDir/layers} and shared: {@link
 * SharedLayers}) and containers under conmon with their monitor state and exit file in {@code
 * runDir/containers/ID}, so that they outlive siflet. Only the logs ({@code stateDir/logs/ID.log})
 * go to the state directory: they can be large, and the run directory is meant to be a tmpfs, where
 * the files and directories made and removed for every container cost no disk metadata.
 */
public final class ConmonBackend implements Backend {

  private final OciLifecycle lifecycle;
  private final Path bundles;
  private final Path monitors;
  private final Path logs;
  private final ExitSignals exits = new ExitSignals();
  private final SharedLayers layers;
  private final ScheduledExecutorService sweeper;
  private final MonitorCgroup monitorCgroup;
  private final Consumer<String> info;

  public ConmonBackend(Path stateDir, Path runDir, OciRuntime runtime, Consumer<String> info) {
    this(stateDir, runDir, runtime, null, info);
  }

  /**
   * @param monitorCgroup where each container's conmon goes once the container exists, or null to
   *     leave it in siflet's cgroup
   */
  public ConmonBackend(
      Path stateDir,
      Path runDir,
      OciRuntime runtime,
      MonitorCgroup monitorCgroup,
      Consumer<String> info) {
    this.monitorCgroup = monitorCgroup;
    this.info = info;
    this.bundles = runDir.resolve("bundles");
    this.monitors = runDir.resolve("containers");
    this.logs = stateDir.resolve("logs");
    KernelMounter mounter = new KernelMounter(info);
    this.lifecycle = new OciLifecycle(runtime, mounter, monitors, logs, info);
    this.layers = new SharedLayers(runDir.resolve("layers"), mounter, info);
    this.sweeper =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "layer-sweeper");
              t.setDaemon(true);
              return t;
            });
    sweeper.scheduleWithFixedDelay(
        () -> layers.sweepIdle(System.currentTimeMillis()), 1, 1, TimeUnit.MINUTES);
  }

  private Path bundle(String id) {
    return bundles.resolve(id);
  }

  @Override
  public void create(String id, Path sif, RunOptions opts) throws IOException {
    Files.createDirectories(monitors);
    Files.createDirectories(logs);
    try {
      lifecycle.mount(sif, bundle(id), opts, layers);
    } catch (IOException | RuntimeException e) {
      layers.release(bundle(id));
      throw e;
    }
    try {
      lifecycle.create(bundle(id), id, false);
    } catch (IOException | RuntimeException e) {
      release(id);
      throw e;
    }
    if (monitorCgroup != null) {
      try {
        monitorCgroup.adopt(lifecycle.monitorPid(id));
      } catch (IOException e) {
        // The container runs; only a restart of siflet's pod would now cost its exit status.
        info.accept(
            "container " + id + ": its monitor stays in siflet's cgroup: " + e.getMessage());
      }
    }
  }

  @Override
  public void watch(String id) throws IOException {
    exits.watch(id, lifecycle.exitDir(id));
  }

  @Override
  public void awaitExitSignal(long millis) throws InterruptedException {
    exits.await(millis);
  }

  @Override
  public void keepApart(long pid) throws IOException {
    if (monitorCgroup != null) {
      monitorCgroup.adopt(pid);
    }
  }

  @Override
  public void start(String id) throws IOException {
    lifecycle.start(id);
  }

  @Override
  public void kill(String id, String signal) throws IOException {
    lifecycle.kill(id, signal);
  }

  @Override
  public Optional<Integer> exitCode(String id) throws IOException {
    return lifecycle.exitCode(id);
  }

  @Override
  public Optional<Instant> exitTime(String id) throws IOException {
    return lifecycle.exitTime(id);
  }

  @Override
  public boolean oomKilled(String id) {
    return lifecycle.oomKilled(id);
  }

  @Override
  public long pid(String id) throws IOException {
    return lifecycle.pid(id);
  }

  @Override
  public boolean monitorAlive(String id) throws IOException {
    return lifecycle.monitorAlive(id);
  }

  @Override
  public void release(String id) throws IOException {
    exits.unwatch(id);
    try {
      lifecycle.release(id, bundle(id));
    } finally {
      layers.release(bundle(id));
    }
  }

  @Override
  public void delete(String id) throws IOException {
    exits.unwatch(id);
    if (lifecycle.exitCode(id).isEmpty() && Files.isDirectory(monitors.resolve(id))) {
      try {
        lifecycle.delete(id); // still there: stop it and drop the runtime's record
      } catch (ContainerException e) {
        // the runtime did not know it; the monitor state goes below with the bundle
      }
    }
    if (Files.exists(bundle(id).resolve(".mounts"))) {
      lifecycle.release(id, bundle(id));
    }
    // An ended container was released when its exit was seen: only files are left.
    ContainerLauncher.deleteTree(bundle(id));
    ContainerLauncher.deleteTree(monitors.resolve(id));
    Files.deleteIfExists(lifecycle.logFile(id));
    layers.release(bundle(id));
  }

  @Override
  public void recover() throws IOException {
    layers.recover(bundles);
  }

  @Override
  public void forgetImage(Path sif) {
    layers.forget(sif);
  }

  @Override
  public void stop() {
    sweeper.shutdownNow();
    layers.unmountUnused();
  }

  @Override
  public Path logFile(String id) {
    return lifecycle.logFile(id);
  }

  @Override
  public OciLifecycle.ExecResult exec(String id, List<String> command, long timeoutSeconds)
      throws IOException {
    return lifecycle.exec(id, command, timeoutSeconds);
  }

  @Override
  public Set<String> leftovers() throws IOException {
    Set<String> ids = new TreeSet<>();
    for (Path dir : List.of(bundles, monitors, logs)) {
      if (Files.isDirectory(dir)) {
        try (Stream<Path> s = Files.list(dir)) {
          s.forEach(p -> ids.add(p.getFileName().toString().replaceFirst("\\.log$", "")));
        }
      }
    }
    return ids;
  }
}
