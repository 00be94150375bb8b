package io.sifkube.siflet.images;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.sifkube.image.oci.Digest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageStoreTest {

  @TempDir Path dir;

  private static final Digest D = Digest.parse("sha256:" + "ab".repeat(32));

  /** The index file's identity: a durable write replaces it with a new file. */
  private Object written() throws Exception {
    return Files.readAttributes(dir.resolve("images.json"), BasicFileAttributes.class).fileKey();
  }

  private long savedLastUsed() throws Exception {
    return new ObjectMapper()
        .readTree(dir.resolve("images.json").toFile())
        .path("images")
        .path(D.toString())
        .path("lastUsed")
        .asLong();
  }

  @Test
  void aUseIsWrittenAtOnceWhenNewAndThenAtMostOncePerInterval() throws Exception {
    AtomicLong now = new AtomicLong(1_000_000);
    ImageStore store = new ImageStore(dir, 0, d -> false, f -> {}, now::get);
    store.touch(D);
    Object first = written();
    assertThat(savedLastUsed()).isEqualTo(1_000_000);

    now.addAndGet(ImageStore.LAST_USED_WRITE_MILLIS - 1);
    store.touch(D);
    assertThat(written()).as("a use within the interval is not written").isEqualTo(first);

    now.addAndGet(1);
    store.touch(D);
    assertThat(written()).isNotEqualTo(first);
    assertThat(savedLastUsed()).isEqualTo(1_000_000 + ImageStore.LAST_USED_WRITE_MILLIS);

    now.addAndGet(5);
    store.touch(D);
    Object before = written();
    store.flush();
    assertThat(written()).as("flush writes what is pending").isNotEqualTo(before);
    assertThat(savedLastUsed()).isEqualTo(1_000_005 + ImageStore.LAST_USED_WRITE_MILLIS);
    Object flushed = written();
    store.flush();
    assertThat(written()).as("nothing pending, nothing written").isEqualTo(flushed);

    // A restart reads what was written.
    new ImageStore(dir, 0, d -> false, f -> {}, now::get).touch(D);
    assertThat(written()).as("loaded as saved: still within the interval").isEqualTo(flushed);
  }
}
