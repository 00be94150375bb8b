package io.sifkube.cli;

import io.sifkube.image.oci.Platform;
import io.sifkube.image.pull.ImagePuller;
import io.sifkube.image.pull.ImageSource;
import io.sifkube.image.squash.LayerLimits;
import io.sifkube.image.squash.Tar2Sqfs;
import io.sifkube.image.store.ImageCache;
import io.sifkube.squashfs.SquashfsCompression;
import java.nio.file.Path;

/**
 * The pull behind {@code sifctl run|exec|shell SOURCE} when SOURCE is not a file. Apart from {@link
 * RunCommand}, because a run of a local file starts with a shorter class path
 * (target/sifctl-run.classpath, without the pull, push and signing libraries): bin/sifctl gives
 * every jar to a command line naming a pull source, and only this class reaches the pull code
 * (SifctlClasspathIT).
 */
final class RunPull {

  private RunPull() {}

  /** Pulls {@code source} into the cache (or finds it there); returns the OCI-SIF. */
  static Path pull(
      String source,
      Path cacheDir,
      Path authfile,
      String dockerHost,
      SquashfsCompression compression)
      throws Exception {
    ImageCache cache = new ImageCache(cacheDir != null ? cacheDir : ImageCache.defaultRoot());
    try (ImageSource src =
        Sources.open(source, authfile, false, cache.root().resolve("tmp"), dockerHost)) {
      var puller =
          new ImagePuller(
              cache,
              ConsoleProgress.forStderr(),
              LayerLimits.DEFAULT,
              Tar2Sqfs.fromPath(compression));
      return puller.pull(src, Platform.host()).sif();
    }
  }
}
