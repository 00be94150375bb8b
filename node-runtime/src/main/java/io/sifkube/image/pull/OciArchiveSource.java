package io.sifkube.image.pull;

import io.sifkube.image.oci.Descriptor;
import io.sifkube.image.oci.Platform;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;

/** {@code oci-archive:FILE[:TAG]}: a tar of an OCI image layout, unpacked to a work directory. */
public final class OciArchiveSource implements ImageSource {

  private final Path archive;
  private final String tag;
  private final Path workDir;
  private Path unpacked;
  private OciLayoutSource layout;

  public OciArchiveSource(Path archive, String tag, Path workDir) {
    this.archive = archive;
    this.tag = tag;
    this.workDir = workDir;
  }

  /** Parses the part after {@code oci-archive:}: {@code FILE} or {@code FILE:TAG}. */
  public static OciArchiveSource parse(String spec, Path workDir) {
    PathAndTag p = PathAndTag.parse(spec);
    return new OciArchiveSource(p.path(), p.tag(), workDir);
  }

  @Override
  public String name() {
    return "oci-archive:" + archive + (tag == null ? "" : ":" + tag);
  }

  @Override
  public String defaultSifName() {
    String file = archive.getFileName().toString().replaceFirst("\\.(tar|oci)$", "");
    return file + "_" + (tag == null ? "latest" : tag) + ".oci.sif";
  }

  @Override
  public ResolvedImage resolve(Platform platform) throws IOException {
    if (layout == null) {
      unpacked = ArchiveExtractor.extract(archive, workDir, name());
      layout = new OciLayoutSource(unpacked, tag, name());
    }
    return layout.resolve(platform);
  }

  @Override
  public InputStream openBlob(Descriptor d) throws IOException {
    return layout.openBlob(d);
  }

  @Override
  public void close() throws IOException {
    if (unpacked != null) {
      ArchiveExtractor.delete(unpacked);
    }
  }
}
