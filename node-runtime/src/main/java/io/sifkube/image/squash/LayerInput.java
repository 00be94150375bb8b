package io.sifkube.image.squash;

import io.sifkube.image.oci.Digest;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * One layer blob to merge.
 *
 * @param digest the layer's digest, named in errors
 * @param blob opens the blob's bytes (tar, gzip or zstd compressed): a verified file in the cache,
 *     or a download still in progress, whose digest failure then surfaces as the stream's error
 * @param diffId the digest of its uncompressed tar, as the image config's {@code rootfs.diff_ids}
 *     give it (checked while the layer is merged), or null when there is none to check
 */
public record LayerInput(Digest digest, Blob blob, Digest diffId) {

  /** Opens a layer's compressed bytes from the start. */
  @FunctionalInterface
  public interface Blob {
    InputStream open() throws IOException;
  }

  public LayerInput(Digest digest, Path file, Digest diffId) {
    this(digest, () -> Files.newInputStream(file), diffId);
  }

  public LayerInput(Digest digest, Path file) {
    this(digest, file, null);
  }
}
