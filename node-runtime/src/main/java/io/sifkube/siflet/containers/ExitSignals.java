package io.sifkube.siflet.containers;

import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Wakes siflet's exit watcher when conmon writes a container's exit file, through inotify (the
 * JDK's {@link WatchService} on Linux) on each watched container's exit directory: an exit is seen
 * within a fraction of a millisecond instead of at the next poll, and idle containers cost nothing.
 */
final class ExitSignals {

  private final Map<String, WatchKey> keys = new ConcurrentHashMap<>();
  private volatile WatchService service;

  private WatchService service() throws IOException {
    WatchService s = service;
    if (s == null) {
      synchronized (this) {
        if (service == null) {
          service = FileSystems.getDefault().newWatchService();
        }
        s = service;
      }
    }
    return s;
  }

  /** Watches {@code exitDir}, where the exit file of container {@code id} will appear. */
  void watch(String id, Path exitDir) throws IOException {
    // conmon may create the file and then write it, or rename a finished one into place: both wake.
    WatchKey k =
        exitDir.register(
            service(), StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_MODIFY);
    WatchKey old = keys.put(id, k);
    if (old != null && old != k) {
      old.cancel();
    }
  }

  void unwatch(String id) {
    WatchKey k = keys.remove(id);
    if (k != null) {
      k.cancel();
    }
  }

  /** Returns when some watched directory changed, or after {@code millis}. */
  void await(long millis) throws InterruptedException {
    WatchService s;
    try {
      s = service();
    } catch (IOException e) {
      Thread.sleep(Math.min(millis, 10)); // no inotify here: the caller polls
      return;
    }
    WatchKey k = s.poll(millis, TimeUnit.MILLISECONDS);
    while (k != null) {
      k.pollEvents();
      k.reset();
      k = s.poll();
    }
  }
}
