package io.sifkube.image.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.sifkube.image.oci.Digest;
import io.sifkube.squashfs.SquashfsCompression;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageCacheTest {

  @TempDir Path tmp;

  @Test
  void oneImageInTwoCompressorsIsTwoEntriesAndStrangersAreIgnored() throws Exception {
    ImageCache cache = new ImageCache(tmp);
    Digest d = Digest.sha256("manifest".getBytes(StandardCharsets.UTF_8));
    Path gz = cache.sifPath(d);
    Path zst = cache.sifPath(d, SquashfsCompression.ZSTD);
    assertThat(gz.getFileName()).hasToString(d.hex() + ".oci.sif");
    assertThat(zst.getFileName()).hasToString(d.hex() + ".zstd.oci.sif");
    Files.createDirectories(gz.getParent());
    Files.write(gz, new byte[3]);
    Files.write(zst, new byte[5]);
    Files.write(gz.resolveSibling(d.hex() + ".lzo.oci.sif"), new byte[1]);
    Files.write(gz.resolveSibling(d.hex() + ".gzip.oci.sif"), new byte[1]);
    Files.write(gz.resolveSibling("not-a-digest.oci.sif"), new byte[1]);

    List<String> seen = new ArrayList<>();
    for (ImageCache.Entry e : cache.list()) {
      assertThat(e.manifest()).isEqualTo(d);
      seen.add(e.compression() + " " + e.size());
    }
    assertThat(seen).containsExactlyInAnyOrder("gzip 3", "zstd 5");
  }

  @Test
  void aTapSeesTheTemporaryFileGrowBeforeTheBlobIsCommitted() throws Exception {
    ImageCache cache = new ImageCache(tmp);
    byte[] data = new byte[300_000];
    data[299_999] = 7;
    Digest d = Digest.sha256(data);
    List<Long> totals = new ArrayList<>();
    Path[] partial = new Path[1];
    Path stored =
        cache.putBlob(
            d,
            data.length,
            new java.io.ByteArrayInputStream(data),
            "blob",
            new ImageCache.Tap() {
              @Override
              public void opened(Path p) {
                partial[0] = p;
                assertThat(p).exists().startsWith(tmp.resolve("tmp"));
              }

              @Override
              public void written(long total) {
                try {
                  assertThat(Files.size(partial[0])).isEqualTo(total);
                } catch (java.io.IOException e) {
                  throw new AssertionError(e);
                }
                totals.add(total);
              }
            });
    assertThat(totals).isNotEmpty().isSorted().last().isEqualTo((long) data.length);
    assertThat(stored).isEqualTo(cache.blobPath(d));
    assertThat(partial[0]).doesNotExist();
  }
}
