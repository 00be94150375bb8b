package io.sifkube.image.squash;

import io.sifkube.image.oci.Digest;
import java.nio.file.Path;

/**
 * One layer blob, already fetched and verified, to merge.
 *
 * @param digest the layer's digest, named in errors
 * @param blob the blob file (tar, gzip or zstd compressed)
 * @param diffId the digest of its uncompressed tar, as the image config's {@code rootfs.diff_ids}
 *     give it (checked while the layer is merged), or null when there is none to check
 */
public record LayerInput(Digest digest, Path blob, Digest diffId) {
  public LayerInput(Digest digest, Path blob) {
    this(digest, blob, null);
  }
}
