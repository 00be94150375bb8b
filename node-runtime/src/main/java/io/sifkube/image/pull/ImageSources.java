package io.sifkube.image.pull;

import io.sifkube.image.ImageException;
import io.sifkube.image.daemon.DockerHost;
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
   * Opens {@code spec}; {@code docker-daemon:} is refused: a cluster node's daemon is not a source
   * the cluster's users may read from.
   *
   * @param credentials for docker:// sources; used only for their own registry hosts
   * @param workDir where archives are unpacked
   * @throws ImageException (INVALID or UNSUPPORTED) naming the source when it cannot be used
   */
  public static ImageSource open(
      String spec, Credentials credentials, boolean insecure, Path workDir) throws IOException {
    if (spec.startsWith("docker-daemon:")) {
      throw new ImageException(
          ImageException.Reason.UNSUPPORTED,
          spec
              + ": a node's Docker daemon is not an image source on the cluster; push the image"
              + " to a registry (docker://) or save it (docker-archive:)");
    }
    return openAny(spec, credentials, insecure, workDir);
  }

  /**
   * Opens {@code spec} for a local user, who may also name images in a Docker daemon.
   *
   * @param dockerHost {@code --docker-host}, or null for {@code $DOCKER_HOST} or Docker's default
   */
  public static ImageSource openLocal(
      String spec, Credentials credentials, boolean insecure, Path workDir, String dockerHost)
      throws IOException {
    if (spec.startsWith("docker-daemon:")) {
      DockerHost host = DockerHost.choose(dockerHost, System.getenv());
      return DockerDaemonSource.parse(spec.substring("docker-daemon:".length()), host, workDir);
    }
    return openAny(spec, credentials, insecure, workDir);
  }

  private static ImageSource openAny(
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
        ImageException.Reason.INVALID, spec + ": unknown source; use " + SourceSpecs.KINDS);
  }
}
