package io.sifkube.image.push;

import io.sifkube.image.oci.Digest;
import io.sifkube.sif.SifFile;
import io.sifkube.sif.oci.OciSifImage;
import io.sifkube.sif.oci.OciSifReader;
import java.io.IOException;
import java.nio.file.Path;

/**
 * Pushes an OCI-SIF's image as the native OCI image it holds, as SingularityCE 4 does: the config,
 * the squashfs layer (with SingularityCE's layer media type) and the manifest, byte for byte as
 * stored, so the pushed image has the OCI-SIF's manifest digest and a pull gives the same file.
 */
public final class OciSifPush {

  /** Manifests and configs are small documents; a larger one is not an OCI-SIF we wrote. */
  private static final int MAX_DOCUMENT = 4 << 20;

  private OciSifPush() {}

  /**
   * @param reference the tag (or the manifest digest) to push under
   * @param mountFrom a repository on the same registry that may already hold the blobs, or null
   * @return the manifest digest
   */
  public static Digest push(Path file, RegistryPusher pusher, String reference, String mountFrom)
      throws IOException {
    try (SifFile sif = SifFile.open(file)) {
      OciSifImage img = OciSifReader.read(sif);
      byte[] config = OciSifReader.readBlob(sif, img.configDigest(), MAX_DOCUMENT);
      byte[] manifest = OciSifReader.readBlob(sif, img.manifestDigest(), MAX_DOCUMENT);
      for (OciSifImage.Layer l : img.layers()) {
        pusher.pushBlob(RegistryPusher.Blob.of(l.digest(), file, l.offset(), l.size()), mountFrom);
      }
      var configBlob =
          sif.descriptors().stream()
              .filter(d -> d.ociDigest().orElse("").equals(img.configDigest().toString()))
              .findFirst()
              .orElseThrow();
      pusher.pushBlob(
          RegistryPusher.Blob.of(img.configDigest(), file, configBlob.offset(), config.length),
          mountFrom);
      pusher.pushManifest(manifest, img.manifestMediaType(), reference);
      return img.manifestDigest();
    }
  }
}
