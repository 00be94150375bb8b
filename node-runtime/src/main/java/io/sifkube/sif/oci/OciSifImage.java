package io.sifkube.sif.oci;

import com.fasterxml.jackson.databind.JsonNode;
import io.sifkube.image.oci.Digest;
import java.nio.file.Path;
import java.util.List;

/**
 * The single image of an OCI-SIF, as found by following RootIndex → manifest → config, with where
 * each layer lies inside the file (so it can be mounted in place).
 *
 * @param file the OCI-SIF file
 * @param indexDigest digest of the RootIndex object
 * @param manifestDigest digest of the image manifest, the image's identity
 * @param manifestMediaType OCI or Docker schema 2 manifest type
 * @param configDigest digest of the image config
 * @param config the image config document
 * @param layers the layers, bottom first
 */
public record OciSifImage(
    Path file,
    Digest indexDigest,
    Digest manifestDigest,
    String manifestMediaType,
    Digest configDigest,
    JsonNode config,
    List<Layer> layers) {

  /**
   * One layer inside the file.
   *
   * @param digest the layer digest (for squashfs layers, also its diff_id)
   * @param mediaType the layer media type
   * @param descriptorId the SIF object ID holding it
   * @param offset absolute file offset of its first byte
   * @param size its length in bytes
   */
  public record Layer(Digest digest, String mediaType, int descriptorId, long offset, long size) {}
}
