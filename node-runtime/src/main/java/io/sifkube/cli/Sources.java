package io.sifkube.cli;

import io.sifkube.image.ImageException;
import io.sifkube.image.pull.ImageSource;
import io.sifkube.image.pull.ImageSources;
import io.sifkube.image.registry.Credentials;
import java.io.IOException;
import java.nio.file.Path;

/** Turns a SOURCE argument into an {@link ImageSource}, with credentials from an auth file. */
final class Sources {

  private Sources() {}

  /**
   * Opens {@code spec}.
   *
   * @param dockerHost {@code --docker-host} for docker-daemon: sources, or null
   */
  static ImageSource open(
      String spec, Path authfile, boolean insecure, Path workDir, String dockerHost)
      throws CliException, IOException {
    try {
      Credentials creds =
          spec.startsWith("docker://") ? Credentials.load(authfile) : Credentials.none();
      return ImageSources.openLocal(spec, creds, insecure, workDir, dockerHost);
    } catch (ImageException e) {
      if (e.reason() == ImageException.Reason.INVALID
          || e.reason() == ImageException.Reason.UNSUPPORTED) {
        throw new CliException(e.getMessage());
      }
      throw e;
    }
  }
}
