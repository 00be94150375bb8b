package io.sifkube.image.pull;

import io.sifkube.image.ImageException;
import io.sifkube.image.daemon.DockerEngine;
import io.sifkube.image.daemon.DockerHost;
import io.sifkube.image.oci.Descriptor;
import io.sifkube.image.oci.Platform;
import io.sifkube.image.ref.ImageReference;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * {@code docker-daemon:IMAGE}: an image held by a Docker daemon (or podman's Docker-compatible
 * service), fetched as {@code docker save} does and then read as a {@code docker-archive:}. IMAGE
 * is {@code NAME[:TAG]} ({@code :latest} when absent, as Docker's CLI assumes) or an image ID.
 */
public final class DockerDaemonSource implements ImageSource {

  private final String image;
  private final DockerHost host;
  private final Path workDir;
  private DockerArchiveSource archive;
  private Path saved;

  public DockerDaemonSource(String image, DockerHost host, Path workDir) {
    this.image = image;
    this.host = host;
    this.workDir = workDir;
  }

  /** Parses the part after {@code docker-daemon:} (SingularityCE also writes {@code //}). */
  public static DockerDaemonSource parse(String spec, DockerHost host, Path workDir)
      throws ImageException {
    String image = spec.startsWith("//") ? spec.substring(2) : spec;
    DockerEngine.checkName(image, "docker-daemon:" + spec);
    if (!image.startsWith("sha256:") && !hasTagOrDigest(image)) {
      image = image + ":latest";
    }
    return new DockerDaemonSource(image, host, workDir);
  }

  private static boolean hasTagOrDigest(String image) {
    return image.contains("@") || image.lastIndexOf(':') > image.lastIndexOf('/');
  }

  @Override
  public String name() {
    return "docker-daemon:" + image;
  }

  @Override
  public String defaultSifName() {
    if (!image.startsWith("sha256:")) {
      try {
        return ImageReference.parse(image).defaultSifName();
      } catch (IllegalArgumentException ignored) {
        // a name only the daemon understands: fall back to a plain one
      }
    }
    return image.replaceAll("[^A-Za-z0-9._-]", "_") + ".oci.sif";
  }

  @Override
  public ResolvedImage resolve(Platform platform) throws IOException {
    Files.createDirectories(workDir);
    saved = Files.createTempFile(workDir, "daemon-", ".tar");
    try (DockerEngine engine = new DockerEngine(host)) {
      // Inspect first: a missing image is a clear NOT_FOUND before any archive is written.
      engine.inspect(image, name());
      engine.save(image, name(), saved);
    }
    // The archive holds exactly the image asked for, whatever the daemon calls it inside.
    archive = new DockerArchiveSource(saved, null, workDir, name());
    return archive.resolve(platform);
  }

  @Override
  public InputStream openBlob(Descriptor d) throws IOException {
    if (archive == null) {
      throw new IllegalStateException("resolve() first");
    }
    return archive.openBlob(d);
  }

  @Override
  public void close() throws IOException {
    try {
      if (archive != null) {
        archive.close();
      }
    } finally {
      if (saved != null) {
        Files.deleteIfExists(saved);
      }
    }
  }
}
