package io.sifkube.image.pull;

import io.sifkube.image.oci.Digest;
import io.sifkube.image.oci.ImageDocuments.Manifest;

/**
 * An image manifest found for a platform.
 *
 * @param manifestDigest the digest of the manifest bytes: the image's identity and cache key
 * @param manifest the parsed manifest
 * @param manifestBytes the manifest as the source holds it (an OCI-SIF keeps an image that is
 *     already one squashfs layer with these very bytes)
 */
public record ResolvedImage(Digest manifestDigest, Manifest manifest, byte[] manifestBytes) {}
