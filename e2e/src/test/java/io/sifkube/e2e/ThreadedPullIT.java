package io.sifkube.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.sifkube.image.oci.Digest;
import io.sifkube.image.oci.Platform;
import io.sifkube.image.pull.ImagePuller;
import io.sifkube.image.pull.OciLayoutSource;
import io.sifkube.image.pull.PullListener;
import io.sifkube.image.pull.PullResult;
import io.sifkube.image.squash.LayerLimits;
import io.sifkube.image.squash.Tar2Sqfs;
import io.sifkube.image.store.ImageCache;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Threads in one JVM pulling the same image into one cache fetch and convert it once. */
class ThreadedPullIT {

  @TempDir Path tmp;

  @Test
  void threadsPullingOneImageShareOneConversion() throws Exception {
    Path layout = TestImages.layout(tmp.resolve("layout"), "v1", "amd64", PullIT.richLayers());
    ImageCache cache = new ImageCache(tmp.resolve("cache"));
    ConcurrentLinkedQueue<String> events = new ConcurrentLinkedQueue<>();
    PullListener listener =
        new PullListener() {
          @Override
          public void info(String message) {
            events.add(message);
          }

          @Override
          public void blobStarted(Digest digest, long size) {
            events.add("blob " + digest);
          }
        };
    int threads = 4;
    CountDownLatch start = new CountDownLatch(1);
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    List<Future<PullResult>> results = new ArrayList<>();
    for (int i = 0; i < threads; i++) {
      results.add(
          pool.submit(
              () -> {
                start.await();
                return new ImagePuller(cache, listener, LayerLimits.DEFAULT, Tar2Sqfs.fromPath())
                    .pull(new OciLayoutSource(layout, "v1"), Platform.host());
              }));
    }
    start.countDown();
    List<PullResult> done = new ArrayList<>();
    for (Future<PullResult> f : results) {
      done.add(f.get());
    }
    pool.shutdown();
    assertThat(done).extracting(PullResult::sif).containsOnly(done.get(0).sif());
    assertThat(done).filteredOn(r -> !r.cached()).hasSize(1);
    assertThat(events.stream().filter(e -> e.equals("Squashing image to single layer"))).hasSize(1);
    // Two layers and a config: each fetched once.
    assertThat(events.stream().filter(e -> e.startsWith("blob "))).hasSize(3);
  }
}
