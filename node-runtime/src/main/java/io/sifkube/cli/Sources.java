package io.sifkube.cli;

import io.sifkube.image.pull.DockerArchiveSource;
import io.sifkube.image.pull.ImageSource;
import io.sifkube.image.pull.OciArchiveSource;
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

  static ImageSource open(String spec, Path authfile, boolean insecure, Path workDir)
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
    if (spec.startsWith("oci-archive:")) {
      return OciArchiveSource.parse(spec.substring("oci-archive:".length()), workDir);
    }
    if (spec.startsWith("docker-archive:")) {
      return DockerArchiveSource.parse(spec.substring("docker-archive:".length()), workDir);
    }
    for (String later : new String[] {"oras://", "library://", "shub://"}) {
      if (spec.startsWith(later)) {
        throw new CliException(spec + ": " + later + " sources are not supported yet");
      }
    }
    throw new CliException(
        spec
            + ": unknown source; use docker://REF, oci:DIR[:TAG], oci-archive:FILE[:TAG]"
            + " or docker-archive:FILE[:REF]");
  }
}
