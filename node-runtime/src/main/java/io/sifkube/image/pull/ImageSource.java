package io.sifkube.image.pull;

import io.sifkube.image.oci.Descriptor;
import io.sifkube.image.oci.Digest;
import io.sifkube.image.oci.Platform;
import java.io.IOException;
import java.io.InputStream;
import java.util.Optional;

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

  /**
   * The manifest digest the user pinned ({@code REF@sha256:…}), if any. Content under a digest
   * never changes, so an OCI-SIF cached for it needs no trip to the source.
   */
  default Optional<Digest> pinnedDigest() {
    return Optional.empty();
  }

  /** Finds and verifies the image manifest, choosing {@code platform} from an index. */
  ResolvedImage resolve(Platform platform) throws IOException;

  /** Streams the blob {@code d}; the bytes are not yet verified. */
  InputStream openBlob(Descriptor d) throws IOException;

  @Override
  default void close() throws IOException {}

  /** True when {@link #openBlob} may be called from several threads at once. */
  default boolean concurrentBlobs() {
    return false;
  }
}
