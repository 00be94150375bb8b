package io.sifkube.image.pull;

import io.sifkube.image.oci.Descriptor;
import io.sifkube.image.oci.Platform;
import java.io.IOException;
import java.io.InputStream;

/**
 * Where an image comes from: a registry, an OCI layout, an archive. A source resolves the image
 * manifest for a platform (verifying it against the digest it was reached by) and streams blobs;
 * the caller verifies blob contents as it stores them.
 */
public interface ImageSource extends AutoCloseable {

  /** The image as the user named it, for messages ({@code docker://…}, {@code oci:…}). */
  String name();

  /** The file name SingularityCE would give the pulled image ({@code NAME_TAG.oci.sif}). */
  String defaultSifName();

  /** Finds and verifies the image manifest, choosing {@code platform} from an index. */
  ResolvedImage resolve(Platform platform) throws IOException;

  /** Streams the blob {@code d}; the bytes are not yet verified. */
  InputStream openBlob(Descriptor d) throws IOException;

  @Override
  default void close() throws IOException {}
}
