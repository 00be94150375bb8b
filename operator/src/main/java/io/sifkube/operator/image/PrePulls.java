package io.sifkube.operator.image;

import io.sifkube.node.v1.Image;
import io.sifkube.node.v1.PullProgress;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * Pulls of SifImages onto nodes, running on their own threads so that a reconcile never waits on
 * one: a pull of a large image takes minutes, and a reconciler thread held that long stalls every
 * other SifImage (before, a reconcile pulled node after node, each up to 30 minutes). One pull per
 * image generation and node at a time; the reconcile collects what finished and reports the latest
 * progress of the rest.
 */
final class PrePulls implements AutoCloseable {

  /** What is pulled where: an image's generation (a changed source is a new pull) on a node. */
  record Key(String imageUid, Long generation, String node) {}

  /** A pull under way or finished: its result and the last progress it reported. */
  static final class Pull {
    volatile Future<Image> result;
    volatile String progress = "pull started";

    /** When its failure went into the status; a new pull waits for the retry interval. */
    volatile Instant failedAt;

    boolean done() {
      return result.isDone();
    }

    /** Whether this is a reported failure whose retry interval has not passed. */
    boolean waiting(Duration retry) {
      return failedAt != null && Instant.now().isBefore(failedAt.plus(retry));
    }
  }

  private final ExecutorService pool;
  private final Map<Key, Pull> pulls = new ConcurrentHashMap<>();

  PrePulls(int threads) {
    AtomicInteger n = new AtomicInteger();
    this.pool =
        Executors.newFixedThreadPool(
            threads,
            r -> {
              Thread t = new Thread(r, "sifimage-pull-" + n.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
  }

  /** The pull for {@code key}, if one was started and not yet taken. */
  Pull get(Key key) {
    return pulls.get(key);
  }

  /** Starts {@code pull}, which reports its progress through the consumer it is given. */
  Pull start(Key key, Function<java.util.function.Consumer<PullProgress>, Callable<Image>> pull) {
    Pull p = new Pull();
    Callable<Image> call = pull.apply(e -> p.progress = describe(e));
    p.result = pool.submit(call);
    pulls.put(key, p);
    return p;
  }

  /** Forgets a finished pull once its result is in the image's status. */
  void taken(Key key) {
    pulls.remove(key);
  }

  /** Drops pulls of images that are gone or of older generations; running ones are cancelled. */
  void keepOnly(Set<String> imageUids, String uid, Long generation) {
    pulls
        .entrySet()
        .removeIf(
            e -> {
              Key k = e.getKey();
              boolean stale =
                  !imageUids.contains(k.imageUid())
                      || (k.imageUid().equals(uid) && !k.generation().equals(generation));
              if (stale) {
                e.getValue().result.cancel(true);
              }
              return stale;
            });
  }

  private static String describe(PullProgress p) {
    if (p.getBytesTotal() > 0) {
      return "downloading "
          + p.getBlobDigest()
          + ": "
          + p.getBytesDone() / (1 << 20)
          + " of "
          + p.getBytesTotal() / (1 << 20)
          + " MiB";
    }
    return p.getMessage();
  }

  @Override
  public void close() {
    pool.shutdownNow();
  }
}
