package io.sifkube.siflet.containers;

import io.sifkube.runtime.ContainerException;
import io.sifkube.runtime.OciLifecycle;
import io.sifkube.spec.RunOptions;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An in-memory backend for tests of the API's semantics: containers "run" until signalled; TERM
 * ends them with 143 unless they ignore it, KILL with 137.
 */
public final class FakeBackend implements Backend {

  /** One fake container. */
  public static final class Box {
    public volatile boolean started;
    public volatile Integer exit;
    public volatile boolean monitorAlive = true;
    public volatile boolean ignoresTerm;
    public volatile boolean released;
    public RunOptions opts;
  }

  public final Map<String, Box> boxes = new ConcurrentHashMap<>();
  public final AtomicInteger creates = new AtomicInteger();
  public final Set<String> deleted = ConcurrentHashMap.newKeySet();
  private final Path logs;

  public FakeBackend(Path logs) {
    this.logs = logs;
  }

  @Override
  public void create(String id, Path sif, RunOptions opts) throws IOException {
    creates.incrementAndGet();
    if (opts.command().contains("fail-create")) {
      throw new ContainerException("creating container " + id + " failed: as asked");
    }
    Box b = new Box();
    b.opts = opts;
    boxes.put(id, b);
  }

  private Box box(String id) throws ContainerException {
    Box b = boxes.get(id);
    if (b == null) {
      throw new ContainerException("no container " + id);
    }
    return b;
  }

  @Override
  public void start(String id) throws IOException {
    box(id).started = true;
  }

  @Override
  public void kill(String id, String signal) throws IOException {
    Box b = box(id);
    if (b.exit != null) {
      throw new ContainerException("container " + id + " is not running");
    }
    if (signal.equals("KILL")) {
      b.exit = 137;
    } else if (!b.ignoresTerm) {
      b.exit = 143;
    }
  }

  @Override
  public Optional<Integer> exitCode(String id) {
    Box b = boxes.get(id);
    return b == null ? Optional.empty() : Optional.ofNullable(b.exit);
  }

  @Override
  public Optional<Instant> exitTime(String id) {
    return exitCode(id).map(c -> Instant.now());
  }

  @Override
  public boolean oomKilled(String id) {
    return false;
  }

  @Override
  public long pid(String id) {
    Box b = boxes.get(id);
    return b != null && b.started && b.exit == null ? 4242 : 0;
  }

  @Override
  public boolean monitorAlive(String id) {
    Box b = boxes.get(id);
    return b != null && b.monitorAlive;
  }

  @Override
  public void release(String id) {
    Box b = boxes.get(id);
    if (b != null) {
      b.released = true;
    }
  }

  @Override
  public void delete(String id) {
    boxes.remove(id);
    deleted.add(id);
  }

  @Override
  public Path logFile(String id) {
    return logs.resolve(id + ".log");
  }

  /** Appends a k8s-file line to a container's log. */
  public void log(String id, Instant at, String stream, String text) throws IOException {
    Files.writeString(
        logFile(id),
        at + " " + stream + " F " + text + "\n",
        StandardCharsets.UTF_8,
        java.nio.file.StandardOpenOption.CREATE,
        java.nio.file.StandardOpenOption.APPEND);
  }

  @Override
  public OciLifecycle.ExecResult exec(String id, List<String> command, long timeoutSeconds) {
    return new OciLifecycle.ExecResult(
        String.join(" ", command).getBytes(StandardCharsets.UTF_8), new byte[0], 0);
  }

  @Override
  public Set<String> leftovers() {
    return new TreeSet<>(boxes.keySet());
  }
}
