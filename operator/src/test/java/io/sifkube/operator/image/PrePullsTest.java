package io.sifkube.operator.image;

import static org.assertj.core.api.Assertions.assertThat;

import io.sifkube.node.v1.Image;
import io.sifkube.node.v1.PullProgress;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class PrePullsTest {

  @Test
  void pullsOnSeveralNodesRunAtOnceAndReportProgress() throws Exception {
    try (PrePulls pulls = new PrePulls(4)) {
      CountDownLatch bothRunning = new CountDownLatch(2);
      CountDownLatch release = new CountDownLatch(1);
      PrePulls.Key a = new PrePulls.Key("img", 1L, "node-a");
      PrePulls.Key b = new PrePulls.Key("img", 1L, "node-b");
      for (PrePulls.Key k : new PrePulls.Key[] {a, b}) {
        pulls.start(
            k,
            progress ->
                () -> {
                  progress.accept(
                      PullProgress.newBuilder()
                          .setBlobDigest("sha256:ab")
                          .setBytesDone(3L << 20)
                          .setBytesTotal(10L << 20)
                          .build());
                  bothRunning.countDown();
                  release.await();
                  return Image.newBuilder().setManifestDigest("sha256:" + k.node()).build();
                });
      }
      // The starting thread (a reconcile) did not wait, and both pulls are under way together.
      assertThat(pulls.get(a).done()).isFalse();
      assertThat(bothRunning.await(10, TimeUnit.SECONDS)).as("both pulls run at once").isTrue();
      assertThat(pulls.get(b).progress).isEqualTo("downloading sha256:ab: 3 of 10 MiB");
      release.countDown();
      assertThat(pulls.get(a).result.get(10, TimeUnit.SECONDS).getManifestDigest())
          .isEqualTo("sha256:node-a");
      pulls.taken(a);
      assertThat(pulls.get(a)).isNull();
    }
  }

  @Test
  void pullsOfDeletedImagesAndOlderGenerationsAreCancelled() throws Exception {
    try (PrePulls pulls = new PrePulls(2)) {
      CountDownLatch never = new CountDownLatch(1);
      PrePulls.Key old = new PrePulls.Key("img", 1L, "node-a");
      PrePulls.Key gone = new PrePulls.Key("deleted", 1L, "node-a");
      PrePulls.Key kept = new PrePulls.Key("other", 3L, "node-a");
      for (PrePulls.Key k : new PrePulls.Key[] {old, gone, kept}) {
        pulls.start(
            k,
            progress ->
                () -> {
                  never.await();
                  return Image.getDefaultInstance();
                });
      }
      PrePulls.Pull first = pulls.get(old);
      pulls.keepOnly(Set.of("img", "other"), "img", 2L);
      assertThat(pulls.get(old)).as("older generation").isNull();
      assertThat(pulls.get(gone)).as("image deleted").isNull();
      assertThat(pulls.get(kept)).isNotNull();
      assertThat(first.result.isCancelled()).isTrue();
    }
  }
}
