package io.sifkube.image.pull;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.sifkube.image.ImageException;
import io.sifkube.image.ImageException.Reason;
import io.sifkube.image.oci.Descriptor;
import io.sifkube.image.oci.Digest;
import io.sifkube.image.oci.ImageDocuments;
import io.sifkube.image.oci.MediaTypes;
import io.sifkube.image.oci.Platform;
import io.sifkube.json.Json;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;

/**
 * An OCI image layout directory, {@code oci:DIR[:TAG]}: {@code index.json} names the images (the
 * tag is the {@code org.opencontainers.image.ref.name} annotation) and {@code blobs/ALG/HEX} holds
 * their content.
 */
public final class OciLayoutSource implements ImageSource {

  static final String REF_NAME = "org.opencontainers.image.ref.name";
  private static final int MAX_DOCUMENT = 4 << 20;

  private final Path dir;
  private final String tag;
  private final String name;

  public OciLayoutSource(Path dir, String tag) {
    this(dir, tag, "oci:" + dir + (tag == null ? "" : ":" + tag));
  }

  /** A layout known to users by another name (the archive it was unpacked from). */
  OciLayoutSource(Path dir, String tag, String name) {
    this.dir = dir;
    this.tag = tag;
    this.name = name;
  }

  /** Parses the part after {@code oci:}: {@code DIR} or {@code DIR:TAG}. */
  public static OciLayoutSource parse(String spec) {
    PathAndTag p = PathAndTag.parse(spec);
    return new OciLayoutSource(p.path(), p.tag());
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public String defaultSifName() {
    return dir.toAbsolutePath().normalize().getFileName()
        + "_"
        + (tag == null ? "latest" : tag)
        + ".oci.sif";
  }

  @Override
  public ResolvedImage resolve(Platform platform) throws IOException {
    JsonNode layout = readJson(dir.resolve("oci-layout"), "oci-layout");
    if (!layout.path("imageLayoutVersion").asText("").startsWith("1.")) {
      throw invalid("oci-layout has no supported imageLayoutVersion");
    }
    byte[] indexBytes = readBounded(dir.resolve("index.json"), "index.json");
    ImageDocuments.Index index;
    try {
      index = ImageDocuments.index(indexBytes, MediaTypes.OCI_INDEX);
    } catch (IllegalArgumentException e) {
      throw invalid("index.json: " + e.getMessage());
    }
    List<Descriptor> hits =
        index.manifests().stream()
            .filter(d -> tag == null || tag.equals(d.annotations().get(REF_NAME)))
            .toList();
    if (hits.isEmpty()) {
      throw new ImageException(Reason.NOT_FOUND, name() + ": no image tagged \"" + tag + "\"");
    }
    if (hits.size() > 1) {
      throw invalid("index.json lists " + hits.size() + " images; name one with oci:DIR:TAG");
    }
    Descriptor d = hits.get(0);
    if (ImageDocuments.isIndex(d.mediaType())) {
      byte[] nested = readBlob(d);
      try {
        d = ImageDocuments.select(ImageDocuments.index(nested, d.mediaType()), platform);
      } catch (IllegalArgumentException e) {
        throw new ImageException(Reason.NOT_FOUND, name() + ": " + e.getMessage());
      }
    }
    byte[] manifestBytes = readBlob(d);
    try {
      String type = ImageDocuments.mediaTypeOf(manifestBytes, d.mediaType());
      if (ImageDocuments.isIndex(type)) {
        throw invalid("manifest " + d.digest() + " is an index");
      }
      return new ResolvedImage(
          d.digest(), ImageDocuments.manifest(manifestBytes, type), manifestBytes);
    } catch (IllegalArgumentException e) {
      throw invalid("manifest " + d.digest() + ": " + e.getMessage());
    }
  }

  @Override
  public InputStream openBlob(Descriptor d) throws IOException {
    Path p = blobFile(d.digest());
    try {
      return Files.newInputStream(p);
    } catch (NoSuchFileException e) {
      throw new ImageException(Reason.NOT_FOUND, name() + ": blob " + d.digest() + " is missing");
    }
  }

  private byte[] readBlob(Descriptor d) throws IOException {
    if (d.size() > MAX_DOCUMENT) {
      throw invalid("document " + d.digest() + " is larger than " + MAX_DOCUMENT + " bytes");
    }
    byte[] bytes = readBounded(blobFile(d.digest()), "blob " + d.digest());
    Digest actual = Digest.sha256(bytes);
    if (!actual.equals(d.digest())) {
      throw new ImageException(
          Reason.DIGEST_MISMATCH,
          name() + ": blob " + d.digest() + " has content with digest " + actual);
    }
    return bytes;
  }

  private Path blobFile(Digest d) {
    // Digest allows only lowercase hex, so this cannot leave blobs/.
    return dir.resolve("blobs").resolve(d.algorithm()).resolve(d.hex());
  }

  private JsonNode readJson(Path p, String what) throws IOException {
    try {
      return Json.read(readBounded(p, what));
    } catch (JsonProcessingException e) {
      throw invalid(what + " is not valid JSON");
    }
  }

  private byte[] readBounded(Path p, String what) throws IOException {
    try {
      if (Files.size(p) > MAX_DOCUMENT) {
        throw invalid(what + " is larger than " + MAX_DOCUMENT + " bytes");
      }
      return Files.readAllBytes(p);
    } catch (NoSuchFileException e) {
      throw new ImageException(
          Reason.NOT_FOUND, name() + ": " + what + " not found (is " + dir + " an OCI layout?)");
    }
  }

  private ImageException invalid(String why) {
    return new ImageException(Reason.INVALID, name() + ": " + why);
  }
}
