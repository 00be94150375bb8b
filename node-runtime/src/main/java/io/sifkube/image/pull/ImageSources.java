package io.sifkube.image.pull;

import io.sifkube.image.ImageException;
import io.sifkube.image.ref.ImageReference;
import io.sifkube.image.registry.Credentials;
import io.sifkube.image.registry.RegistrySource;
import io.sifkube.image.registry.RetryPolicy;
import java.io.IOException;
import java.nio.file.Path;

/** Turns a source string ({@code docker://…}, {@code oci:…}, …) into an {@link ImageSource}. */
public final class ImageSources {

  private ImageSources() {}

  /**
   * Opens {@code spec}.
   *
   * @param credentials for docker:// sources; used only for their own registry hosts
   * @param workDir where archives are unpacked
   * @throws ImageException (INVALID or UNSUPPORTED) naming the source when it cannot be used
   */
  public static ImageSource open(
      String spec, Credentials credentials, boolean insecure, Path workDir) throws IOException {
    if (spec.startsWith("docker://")) {
      ImageReference ref;
      try {
        ref = ImageReference.parse(spec.substring("docker://".length()));
      } catch (IllegalArgumentException e) {
        throw new ImageException(ImageException.Reason.INVALID, e.getMessage(), e);
      }
      return new RegistrySource(ref, credentials, insecure, RetryPolicy.DEFAULT);
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
    if (spec.startsWith("library://") || spec.startsWith("shub://")) {
      // No library or Singularity Hub server can be reached from where Sifkube is built and
      // tested; images from there can be pushed to any OCI registry and pulled from it.
      throw new ImageException(
          ImageException.Reason.UNSUPPORTED,
          spec
              + ": library:// and shub:// are not supported; pull the image from an OCI registry"
              + " (docker://, oras://), a file (oci:, oci-archive:, docker-archive:) or"
              + " http(s)://");
    }
    if (spec.startsWith("oras://")) {
      throw new ImageException(
          ImageException.Reason.UNSUPPORTED,
          spec + ": an oras:// artifact is a SIF file: sifctl pull writes it as it is");
    }
    throw new ImageException(
        ImageException.Reason.INVALID,
        spec
            + ": unknown source; use docker://REF, oci:DIR[:TAG], oci-archive:FILE[:TAG]"
            + " or docker-archive:FILE[:REF]");
  }
}
