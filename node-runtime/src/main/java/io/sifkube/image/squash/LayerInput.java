package io.sifkube.image.squash;

import io.sifkube.image.oci.Digest;
import java.nio.file.Path;

/**
 * One layer blob, already fetched and verified, to merge.
 *
 * @param digest the layer's digest, named in errors
 * @param blob the blob file (tar, gzip or zstd compressed)
 */
public record LayerInput(Digest digest, Path blob) {}
