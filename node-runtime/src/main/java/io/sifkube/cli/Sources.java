package io.sifkube.cli;

import io.sifkube.image.pull.ImageSource;
import io.sifkube.image.pull.OciLayoutSource;
import io.sifkube.image.ref.ImageReference;
import io.sifkube.image.registry.Credentials;
import io.sifkube.image.registry.RegistrySource;
import io.sifkube.image.registry.RetryPolicy;
import java.io.IOException;
import java.nio.file.Path;

/** Turns a SOURCE argument into an {@link ImageSource}. */
final class Sources {

  private Sources() {}

  static ImageSource open(String spec, Path authfile, boolean insecure)
      throws CliException, IOException {
    if (spec.startsWith("docker://")) {
      ImageReference ref;
      try {
        ref = ImageReference.parse(spec.substring("docker://".length()));
      } catch (IllegalArgumentException e) {
        throw new CliException(e.getMessage());
      }
      return new RegistrySource(ref, Credentials.load(authfile), insecure, RetryPolicy.DEFAULT);
    }
    if (spec.startsWith("oci:")) {
      return OciLayoutSource.parse(spec.substring("oci:".length()));
    }
    for (String later :
        new String[] {"oci-archive:", "docker-archive:", "http://", "https://", "oras://"}) {
      if (spec.startsWith(later)) {
        throw new CliException(spec + ": " + later + " sources are not supported yet");
      }
    }
    throw new CliException(spec + ": unknown source; use docker://REF or oci:DIR[:TAG]");
  }
}
