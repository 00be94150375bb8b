package io.sifkube.sif.oci;

import io.sifkube.image.oci.MediaTypes;
import java.nio.file.Path;

/**
 * A layer to store in an OCI-SIF: its media type and a way to stream its bytes. The bytes are
 * stored as they are, so for the squashfs layer type the digest is also the diff_id.
 *
 * @param mediaType the layer media type
 * @param path the file that holds the layer
 */
public record LayerSource(String mediaType, Path path) {

  /** A squashfs image file, stored as an OCI-SIF's single squashfs layer. */
  public static LayerSource squashfs(Path file) {
    return new LayerSource(MediaTypes.SIF_SQUASHFS_LAYER, file);
  }
}
