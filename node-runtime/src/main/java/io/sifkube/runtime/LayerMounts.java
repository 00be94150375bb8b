package io.sifkube.runtime;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Read-only image layers shared between bundles: a node daemon mounts each layer of an image once
 * and lets every container of that image use the same mount as its overlay's lower directory, as
 * containerd does with snapshots. Without one, each bundle mounts its own layers.
 */
public interface LayerMounts {

  /**
   * The directory holding the squashfs layer stored at {@code offset}..{@code offset+size} of
   * {@code sif}, mounted if it is not yet, for use by {@code bundle} until {@link #release}.
   */
  Path lower(Path sif, long offset, long size, Path bundle) throws IOException;

  /** {@code bundle} no longer uses any layer it was given. */
  void release(Path bundle);
}
