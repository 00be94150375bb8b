package io.sifkube.siflet.containers;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.sifkube.cdi.ContainerEdits;
import io.sifkube.cdi.Injection;
import io.sifkube.files.Durable;
import io.sifkube.runtime.OciLifecycle;
import io.sifkube.siflet.SifletException;
import io.sifkube.spec.RunOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * siflet's containers with CRI's semantics: a client-chosen ID names one container for good
 * (creating it again returns it), stop and remove are idempotent, and every state change is
 * recorded in {@code records/ID.json} before it is announced, so a restarted siflet rebuilds the
 * same view ({@link #recover}). Exits are noticed when the backend signals that a monitor wrote an
 * exit file (and by a slow scan, in case a signal was lost); the mounts of an ended container are
 * released at once, its log and exit code stay until removal.
 */
public final class Containers implements AutoCloseable {

  private static final ObjectMapper JSON = new ObjectMapper();

  /** How often every live container is checked even without an exit signal. */
  private static final long SCAN_MILLIS = 1000;

  /** A state change, as {@link #subscribe} listeners hear it. */
  public record Event(String type, ContainerRecord record) {
    public static final String CREATED = "CREATED";
    public static final String STARTED = "STARTED";
    public static final String STOPPED = "STOPPED";
    public static final String DELETED = "DELETED";
  }

  private final Path records;
  private final Backend backend;
  private final Consumer<String> log;
  private final Map<String, ContainerRecord> byId = new ConcurrentHashMap<>();
  private final Map<String, Object> locks = new ConcurrentHashMap<>();
  private final List<Consumer<Event>> listeners = new CopyOnWriteArrayList<>();
  private final Thread watcher = new Thread(this::watchExits, "exit-watcher");
  private final Sandboxes sandboxes;

  public Containers(Path stateDir, Backend backend, Consumer<String> log) {
    this.records = stateDir.resolve("records");
    this.backend = backend;
    this.log = log;
    this.sandboxes = new Sandboxes(stateDir, log, backend::keepApart);
  }

  /** Starts noticing exits. */
  public void startWatching() {
    watcher.setDaemon(true);
    watcher.start();
  }

  private void watchExits() {
    while (!Thread.currentThread().isInterrupted()) {
      try {
        backend.awaitExitSignal(SCAN_MILLIS);
      } catch (InterruptedException e) {
        return;
      }
      pollExits();
    }
  }

  private Object lock(String id) {
    return locks.computeIfAbsent(id, k -> new Object());
  }

  /** The result of a create: the container, and whether this call made it. */
  public record Created(ContainerRecord record, boolean created) {}

  /**
   * Creates container {@code id} from {@code sif}; returns the existing one if the ID is taken.
   *
   * @param image what the record names as the image (a manifest digest or the file)
   */
  public Created create(
      String id, String image, Path sif, RunOptions opts, Map<String, String> labels)
      throws IOException {
    return create(id, image, sif, opts, labels, "");
  }

  /**
   * As {@link #create(String, String, Path, RunOptions, Map)}, in the sandbox named {@code sandbox}
   * (made now if no container holds it; "" for none).
   */
  public Created create(
      String id,
      String image,
      Path sif,
      RunOptions opts,
      Map<String, String> labels,
      String sandbox)
      throws IOException {
    synchronized (lock(id)) {
      ContainerRecord existing = byId.get(id);
      if (existing != null) {
        return new Created(existing, false);
      }
      long now = System.currentTimeMillis();
      ContainerRecord r =
          new ContainerRecord(
              id,
              image,
              labels,
              ContainerRecord.CREATING,
              now,
              0,
              0,
              0,
              "",
              "",
              devices(opts),
              sandbox);
      save(r); // a crash before CREATED is undone by recover()
      boolean joined = false;
      try {
        if (!sandbox.isEmpty()) {
          opts =
              opts.withExtras(opts.extras().toBuilder().sandbox(sandboxes.join(sandbox)).build());
          joined = true;
        }
        backend.create(id, sif, opts);
      } catch (IOException | RuntimeException e) {
        Files.deleteIfExists(recordFile(id));
        if (joined) {
          sandboxes.leave(sandbox);
        }
        throw e;
      }
      watch(id);
      r = r.withState(ContainerRecord.CREATED);
      put(r, Event.CREATED);
      return new Created(r, true);
    }
  }

  /** The audit record of the CDI devices {@code opts} inject. */
  private static List<ContainerRecord.Device> devices(RunOptions opts) {
    List<ContainerRecord.Device> out = new ArrayList<>();
    for (Injection.Injected d : opts.extras().cdi().devices()) {
      List<String> nodes = new ArrayList<>();
      for (ContainerEdits.DeviceNode n : d.nodes()) {
        nodes.add(
            n.path()
                + " "
                + n.type()
                + " "
                + n.major()
                + ":"
                + n.minor()
                + " from "
                + n.hostNode());
      }
      out.add(
          new ContainerRecord.Device(
              d.name(), d.specPath(), d.specSha256(), d.cdiVersion(), nodes));
    }
    return out;
  }

  /** Starts a created container. */
  public void start(String id) throws IOException {
    synchronized (lock(id)) {
      ContainerRecord r = require(id);
      if (!startIfCreated(id)) {
        throw SifletException.precondition(
            "container " + id + " is " + r.state().toLowerCase() + ", not created");
      }
    }
  }

  /**
   * Starts the container if it is created and not yet started, and leaves it as it is otherwise
   * (running, or exited already): the idempotent start of a create-and-start whose client may ask
   * twice. True when this call started it.
   */
  public boolean startIfCreated(String id) throws IOException {
    synchronized (lock(id)) {
      ContainerRecord r = require(id);
      if (!r.state().equals(ContainerRecord.CREATED)) {
        return false;
      }
      backend.start(id);
      put(r.started(System.currentTimeMillis()), Event.STARTED);
      return true;
    }
  }

  /**
   * Stops a container: SIGTERM, then SIGKILL after {@code timeoutSeconds}; returns once it ended. A
   * stopped or unknown container is left as it is.
   */
  public void stop(String id, long timeoutSeconds) throws IOException {
    synchronized (lock(id)) {
      ContainerRecord r = require(id);
      if (r.ended()) {
        return;
      }
      if (timeoutSeconds > 0 && r.state().equals(ContainerRecord.RUNNING)) {
        signal(id, "TERM");
        if (awaitExit(id, TimeUnit.SECONDS.toMillis(timeoutSeconds))) {
          observeExit(id);
          return;
        }
      }
      signal(id, "KILL");
      if (!awaitExit(id, 10_000)) {
        // The monitor is gone or stuck: record what we know rather than hang.
        finish(id, ContainerRecord.UNKNOWN, 128 + 9, "Lost", "no exit recorded after SIGKILL");
        return;
      }
      observeExit(id);
    }
  }

  private void signal(String id, String sig) {
    try {
      backend.kill(id, sig);
    } catch (IOException e) {
      // it may have exited between our look and the signal; the exit file tells
    }
  }

  private boolean awaitExit(String id, long millis) throws IOException {
    long deadline = System.currentTimeMillis() + millis;
    while (backend.exitCode(id).isEmpty()) {
      if (System.currentTimeMillis() > deadline) {
        return false;
      }
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted while stopping " + id, e);
      }
    }
    return true;
  }

  /** Removes a container and all it left, stopping it first; a missing one is no error. */
  public void remove(String id) throws IOException {
    synchronized (lock(id)) {
      ContainerRecord r = byId.get(id);
      if (r == null) {
        return;
      }
      stop(id, 0);
      backend.delete(id);
      Files.deleteIfExists(recordFile(id));
      byId.remove(id);
      if (!r.sandbox().isEmpty()) {
        sandboxes.leave(r.sandbox());
      }
      announce(new Event(Event.DELETED, r));
    }
  }

  public Optional<ContainerRecord> get(String id) {
    return Optional.ofNullable(byId.get(id));
  }

  /** Every container, by ID. */
  public List<ContainerRecord> list() {
    List<ContainerRecord> out = new ArrayList<>(byId.values());
    out.sort((a, b) -> a.id().compareTo(b.id()));
    return out;
  }

  /** True when a container was made from {@code image}. */
  public boolean uses(String image) {
    return byId.values().stream().anyMatch(r -> r.image().equals(image));
  }

  public long pid(String id) throws IOException {
    ContainerRecord r = byId.get(id);
    return r != null && r.state().equals(ContainerRecord.RUNNING) ? backend.pid(id) : 0;
  }

  public Path logFile(String id) {
    return backend.logFile(id);
  }

  /** Runs a command in a running container. */
  public OciLifecycle.ExecResult exec(String id, List<String> command, long timeoutSeconds)
      throws IOException {
    ContainerRecord r = require(id);
    if (!r.state().equals(ContainerRecord.RUNNING)) {
      throw SifletException.precondition(
          "container " + id + " is " + r.state().toLowerCase() + ", not running");
    }
    return backend.exec(id, command, timeoutSeconds);
  }

  public void subscribe(Consumer<Event> listener) {
    listeners.add(listener);
  }

  public void unsubscribe(Consumer<Event> listener) {
    listeners.remove(listener);
  }

  private void watch(String id) {
    try {
      backend.watch(id);
    } catch (IOException e) {
      // the slow scan still sees its exit
      log.accept("watching container " + id + " for its exit: " + e.getMessage());
    }
  }

  private ContainerRecord require(String id) throws SifletException {
    ContainerRecord r = byId.get(id);
    if (r == null) {
      throw SifletException.notFound("no container " + id);
    }
    return r;
  }

  /** Looks for exits of running (or created) containers. */
  private void pollExits() {
    for (ContainerRecord r : byId.values()) {
      if (r.ended() || r.state().equals(ContainerRecord.CREATING)) {
        continue;
      }
      try {
        if (backend.exitCode(r.id()).isPresent()) {
          synchronized (lock(r.id())) {
            observeExit(r.id());
          }
        }
      } catch (IOException | RuntimeException e) {
        log.accept("checking container " + r.id() + ": " + e.getMessage());
      }
    }
  }

  /** Records the exit the monitor wrote, once; then frees the container's mounts. */
  private void observeExit(String id) throws IOException {
    ContainerRecord r = byId.get(id);
    Optional<Integer> code = backend.exitCode(id);
    if (r == null || r.ended() || code.isEmpty()) {
      return;
    }
    long at = backend.exitTime(id).map(i -> i.toEpochMilli()).orElse(System.currentTimeMillis());
    String reason = backend.oomKilled(id) ? "OOMKilled" : code.get() == 0 ? "Completed" : "Error";
    finishAt(id, ContainerRecord.EXITED, at, code.get(), reason, "");
  }

  private void finish(String id, String state, int code, String reason, String message)
      throws IOException {
    finishAt(id, state, System.currentTimeMillis(), code, reason, message);
  }

  private void finishAt(String id, String state, long at, int code, String reason, String message)
      throws IOException {
    ContainerRecord r = byId.get(id).finished(state, at, code, reason, message);
    put(r, Event.STOPPED);
    try {
      backend.release(id);
    } catch (IOException e) {
      log.accept("releasing container " + id + ": " + e.getMessage());
    }
  }

  private void put(ContainerRecord r, String event) throws IOException {
    save(r);
    byId.put(r.id(), r);
    announce(new Event(event, r));
  }

  private void announce(Event e) {
    for (Consumer<Event> l : listeners) {
      try {
        l.accept(e);
      } catch (RuntimeException ex) {
        log.accept("event listener failed: " + ex.getMessage());
      }
    }
  }

  private Path recordFile(String id) {
    return records.resolve(id + ".json");
  }

  private void save(ContainerRecord r) throws IOException {
    Durable.write(recordFile(r.id()), JSON.writeValueAsBytes(r));
  }

  /**
   * Rebuilds the view after a (re)start: adopts containers whose monitor still runs, records the
   * real exit code of those that ended meanwhile, marks the ones whose monitor vanished without an
   * exit record as UNKNOWN/Lost, undoes half-made creations, and deletes whatever the host holds of
   * containers that have no record.
   */
  public void recover() throws IOException {
    backend.recover();
    if (Files.isDirectory(records)) {
      try (Stream<Path> s = Files.list(records)) {
        for (Path f : s.filter(p -> p.toString().endsWith(".json")).toList()) {
          recoverOne(f);
        }
      }
    }
    for (String id : backend.leftovers()) {
      if (!byId.containsKey(id)) {
        log.accept("removing leftovers of unknown container " + id);
        backend.delete(id);
      }
    }
    sandboxes.recover(
        byId.values().stream()
            .map(ContainerRecord::sandbox)
            .filter(k -> !k.isEmpty())
            .collect(Collectors.groupingBy(k -> k, Collectors.counting())));
  }

  private void recoverOne(Path f) throws IOException {
    ContainerRecord r;
    try {
      r = JSON.readValue(f.toFile(), ContainerRecord.class);
    } catch (IOException e) {
      log.accept("ignoring unreadable record " + f + ": " + e.getMessage());
      Files.delete(f);
      return;
    }
    String id = r.id();
    if (r.state().equals(ContainerRecord.CREATING)) {
      log.accept("undoing the unfinished creation of container " + id);
      backend.delete(id);
      Files.deleteIfExists(f);
      return;
    }
    byId.put(id, r);
    if (r.ended()) {
      backend.release(id); // in case siflet died between recording the exit and releasing
      return;
    }
    if (backend.exitCode(id).isPresent()) {
      log.accept("container " + id + " exited while siflet was down");
      observeExit(id);
    } else if (!backend.monitorAlive(id)) {
      finish(id, ContainerRecord.UNKNOWN, -1, "Lost", "its monitor ended without an exit record");
    } else {
      watch(id);
      log.accept("adopted container " + id + " (" + r.state().toLowerCase() + ")");
    }
  }

  @Override
  public void close() {
    watcher.interrupt();
    backend.stop();
  }
}
