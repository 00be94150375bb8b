package io.sifkube.image.pull;

import io.sifkube.image.oci.Digest;
import java.nio.file.Path;

/**
 * A pulled image.
 *
 * @param sif the OCI-SIF in the cache
 * @param manifestDigest the image's manifest digest
 * @param cached true when the OCI-SIF was already in the cache and nothing was fetched
 */
public record PullResult(Path sif, Digest manifestDigest, boolean cached) {}
