package io.sifkube.image.pull;

import io.sifkube.image.oci.Digest;

/**
 * Hears what a pull is doing, to show progress. Layers download in parallel, so calls may come from
 * several threads at once.
 */
public interface PullListener {

  /** A step, as SingularityCE prints it ("Converting OCI image to OCI-SIF format"). */
  void info(String message);

  /** A blob starts downloading; {@code size} is from its descriptor. */
  default void blobStarted(Digest digest, long size) {}

  /** {@code bytes} of the blob have arrived so far. */
  default void blobProgress(Digest digest, long bytes) {}

  /** The blob is stored and verified. */
  default void blobDone(Digest digest) {}

  /** Hears nothing. */
  PullListener SILENT = message -> {};
}
