package io.sifkube.siflet.devices;

import io.sifkube.cdi.CdiException;
import io.sifkube.cdi.CdiRegistry;
import io.sifkube.cdi.HostNodes;
import io.sifkube.cdi.Injection;
import io.sifkube.cdi.Inventory;
import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * This node's CDI devices, kept current: the spec directories are watched through inotify (the
 * JDK's {@link WatchService} on Linux), so a vendor's refresh job or a DRA driver writing a spec is
 * seen within moments without a restart, and rescanned every {@link #SCAN_SECONDS} s as a safety
 * net (a directory made later, a symlinked file whose target changed). A rescan reads only the
 * files that changed. A request naming a device not (yet) offered rescans once before it is
 * refused, so a spec written just before a container is created is never missed.
 */
public final class DeviceInventory implements AutoCloseable {

  static final int SCAN_SECONDS = 5;

  private final CdiRegistry registry;
  private final Consumer<String> log;
  private final List<Consumer<Inventory>> listeners = new CopyOnWriteArrayList<>();
  private final Map<Path, WatchKey> watched = new HashMap<>();
  private final ScheduledExecutorService timer =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "cdi-scan");
            t.setDaemon(true);
            return t;
          });
  private volatile Inventory current = Inventory.EMPTY;
  private volatile boolean dirty = true;
  private volatile String fingerprint = "";
  private Set<String> reported = Set.of();
  private WatchService watcher;

  public DeviceInventory(List<Path> dirs, Consumer<String> log) {
    this.registry = new CdiRegistry(dirs);
    this.log = log;
  }

  /** Scans now, then follows the directories until closed. */
  public void start() {
    try {
      watcher = FileSystems.getDefault().newWatchService();
      Thread t = new Thread(this::drain, "cdi-watch");
      t.setDaemon(true);
      t.start();
    } catch (IOException e) {
      log.accept(
          "CDI: no inotify (" + e.getMessage() + "); rescanning every " + SCAN_SECONDS + " s");
    }
    rescan();
    timer.scheduleWithFixedDelay(this::rescan, SCAN_SECONDS, SCAN_SECONDS, TimeUnit.SECONDS);
  }

  /** Hears each new inventory (a device or an error came or went). */
  public void onChange(Consumer<Inventory> listener) {
    listeners.add(listener);
  }

  /** The devices offered now. */
  public Inventory current() {
    if (dirty) {
      rescan();
    }
    return current;
  }

  /**
   * Resolves {@code names} for a container about to be created.
   *
   * @throws CdiException naming what cannot be injected
   */
  public Injection resolve(List<String> names) {
    if (names.isEmpty()) {
      return Injection.NONE;
    }
    try {
      return current().resolve(names, HostNodes.SYSTEM);
    } catch (CdiException e) {
      rescan(); // a spec written a moment ago whose event has not been handled yet
      return current.resolve(names, HostNodes.SYSTEM);
    }
  }

  /** Reads what changed; tells the listeners when the inventory is not what it was. */
  public synchronized void rescan() {
    dirty = false;
    watchDirectories();
    Inventory inv = registry.scan();
    String print = fingerprint(inv);
    current = inv;
    if (print.equals(fingerprint)) {
      return;
    }
    fingerprint = print;
    Set<String> errors = new TreeSet<>();
    inv.errors().forEach(e -> errors.add(e.path() + ": " + e.message()));
    for (String e : errors) {
      if (!reported.contains(e)) {
        log.accept("CDI spec " + e + " (its devices are not offered)");
      }
    }
    reported = errors;
    log.accept(
        "CDI: "
            + inv.devices().size()
            + " device(s) offered"
            + (inv.devices().isEmpty() ? "" : ": " + String.join(", ", inv.devices().keySet())));
    for (Consumer<Inventory> l : listeners) {
      try {
        l.accept(inv);
      } catch (RuntimeException e) {
        log.accept("CDI: telling of a device change failed: " + e);
      }
    }
  }

  /** What makes two inventories the same to a client: devices, their spec files, the errors. */
  private static String fingerprint(Inventory inv) {
    StringBuilder b = new StringBuilder();
    inv.devices()
        .values()
        .forEach(e -> b.append(e.name()).append('@').append(e.spec().sha256()).append('\n'));
    inv.errors().forEach(e -> b.append(e.path()).append(": ").append(e.message()).append('\n'));
    return b.toString();
  }

  /** Watches each directory that exists and is not watched yet (again, after a removal). */
  private void watchDirectories() {
    if (watcher == null) {
      return;
    }
    watched.values().removeIf(k -> !k.isValid());
    for (Path d : registry.dirs()) {
      if (watched.containsKey(d)) {
        continue;
      }
      try {
        watched.put(
            d,
            d.register(
                watcher,
                StandardWatchEventKinds.ENTRY_CREATE,
                StandardWatchEventKinds.ENTRY_DELETE,
                StandardWatchEventKinds.ENTRY_MODIFY));
      } catch (IOException | ClosedWatchServiceException e) {
        // missing or unreadable: the periodic scan tries again
      }
    }
  }

  /** Marks the inventory stale on every event and rescans, a burst of events at once. */
  private void drain() {
    try {
      while (true) {
        WatchKey k = watcher.take();
        dirty = true; // a create from now on rescans first, even before the burst below ends
        Set<WatchKey> keys = new HashSet<>();
        keys.add(k);
        for (WatchKey more = watcher.poll(20, TimeUnit.MILLISECONDS);
            more != null;
            more = watcher.poll(20, TimeUnit.MILLISECONDS)) {
          keys.add(more);
        }
        for (WatchKey key : keys) {
          key.pollEvents();
          key.reset();
        }
        rescan();
      }
    } catch (InterruptedException | ClosedWatchServiceException e) {
      // closed
    }
  }

  @Override
  public void close() {
    timer.shutdownNow();
    if (watcher != null) {
      try {
        watcher.close();
      } catch (IOException e) {
        // closing anyway
      }
    }
  }
}
