package io.sifkube.image.pull;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sifkube.image.ImageException;
import io.sifkube.image.oci.Descriptor;
import io.sifkube.image.oci.Digest;
import io.sifkube.image.store.ImageCache;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LayerDownloadsTest {

  @TempDir Path tmp;

  /** Serves {@code data} slowly: a chunk, then waits until the reader let it go on. */
  private static InputStream gated(byte[] data, CountDownLatch gate) {
    return new InputStream() {
      private int pos;

      @Override
      public int read() {
        throw new UnsupportedOperationException();
      }

      @Override
      public int read(byte[] b, int off, int len) throws IOException {
        if (pos >= data.length) {
          return -1;
        }
        if (pos >= data.length / 2) {
          try {
            if (!gate.await(10, TimeUnit.SECONDS)) {
              throw new IOException("gate never opened");
            }
          } catch (InterruptedException e) {
            throw new IOException(e);
          }
        }
        int n = Math.min(len, Math.min(4096, data.length - pos));
        System.arraycopy(data, pos, b, off, n);
        pos += n;
        return n;
      }
    };
  }

  private static Descriptor layer(byte[] data) {
    return new Descriptor(
        "application/vnd.oci.image.layer.v1.tar", Digest.sha256(data), data.length, null, null);
  }

  @Test
  void aReaderGetsTheFirstHalfBeforeTheDownloadEndsAndThenTheWholeVerifiedBlob() throws Exception {
    ImageCache cache = new ImageCache(tmp);
    byte[] data = new byte[1 << 20];
    new Random(3).nextBytes(data);
    Descriptor d = layer(data);
    CountDownLatch gate = new CountDownLatch(1);
    try (LayerDownloads dl =
        new LayerDownloads(
            List.of(d),
            cache,
            3,
            (desc, tap) ->
                cache.putBlob(desc.digest(), desc.size(), gated(data, gate), "blob", tap),
            x -> false)) {
      try (InputStream in = dl.blob(0).open()) {
        byte[] first = in.readNBytes(data.length / 2);
        // The download is still held at the gate: these bytes came from the growing file.
        assertThat(cache.hasBlob(d.digest())).isFalse();
        assertThat(first).isEqualTo(java.util.Arrays.copyOf(data, data.length / 2));
        gate.countDown();
        byte[] rest = in.readAllBytes();
        assertThat(first.length + rest.length).isEqualTo(data.length);
      }
      assertThat(dl.downloadFailure()).isNull();
    }
    assertThat(Files.readAllBytes(cache.blobPath(d.digest()))).isEqualTo(data);
  }

  @Test
  void aDigestMismatchIsTheReadersErrorAndLeavesNoFile() throws Exception {
    ImageCache cache = new ImageCache(tmp);
    byte[] data = new byte[200_000];
    Descriptor d = layer(data);
    byte[] served = data.clone();
    served[150_000] = 1;
    try (LayerDownloads dl =
        new LayerDownloads(
            List.of(d),
            cache,
            3,
            (desc, tap) ->
                cache.putBlob(
                    desc.digest(), desc.size(), new ByteArrayInputStream(served), "blob x", tap),
            x -> false)) {
      assertThatThrownBy(
              () -> {
                try (InputStream in = dl.blob(0).open()) {
                  in.readAllBytes();
                }
              })
          .isInstanceOf(ImageException.class)
          .hasMessageContaining("blob x: digest mismatch");
      assertThat(dl.downloadFailure()).hasMessageContaining("digest mismatch");
    }
    assertThat(cache.hasBlob(d.digest())).isFalse();
    try (var left = Files.list(tmp.resolve("tmp"))) {
      assertThat(left).isEmpty();
    }
  }

  @Test
  void cachedLayersAreReadFromTheCacheAndNotFetched() throws Exception {
    ImageCache cache = new ImageCache(tmp);
    byte[] data = "cached".getBytes();
    Descriptor d = layer(data);
    cache.putBlob(d.digest(), d.size(), new ByteArrayInputStream(data), "blob");
    try (LayerDownloads dl =
        new LayerDownloads(
            List.of(d),
            cache,
            3,
            (desc, tap) -> {
              throw new AssertionError("fetched a cached blob");
            },
            x -> cache.hasBlob(x.digest()))) {
      try (InputStream in = dl.blob(0).open()) {
        assertThat(in.readAllBytes()).isEqualTo(data);
      }
    }
  }
}
