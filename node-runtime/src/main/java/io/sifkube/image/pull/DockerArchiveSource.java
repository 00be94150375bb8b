package io.sifkube.image.pull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sifkube.image.ImageException;
import io.sifkube.image.ImageException.Reason;
import io.sifkube.image.oci.Descriptor;
import io.sifkube.image.oci.Digest;
import io.sifkube.image.oci.ImageDocuments;
import io.sifkube.image.oci.MediaTypes;
import io.sifkube.image.oci.Platform;
import io.sifkube.image.ref.ImageReference;
import io.sifkube.json.Json;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code docker-archive:FILE[:REF]}: a {@code docker save} (or {@code skopeo copy …
 * docker-archive:}) tar. It has no registry manifest, so one is made: Docker schema 2, config and
 * layers as stored (layers uncompressed), each digest computed from the file. The rootfs is the
 * same as the image pulled from a registry; the manifest digest differs, as the layers are stored
 * differently.
 */
public final class DockerArchiveSource implements ImageSource {

  private static final String LAYER_TAR = "application/vnd.docker.image.rootfs.diff.tar";
  private static final int MAX_DOCUMENT = 4 << 20;

  private final Path archive;
  private final String ref;
  private final Path workDir;
  private final String displayName;
  private final Map<Digest, Path> blobs = new HashMap<>();
  private Path unpacked;
  private String repoTag;

  public DockerArchiveSource(Path archive, String ref, Path workDir) {
    this(archive, ref, workDir, null);
  }

  /** An archive that came from somewhere else (a daemon): messages name {@code displayName}. */
  DockerArchiveSource(Path archive, String ref, Path workDir, String displayName) {
    this.archive = archive;
    this.ref = ref;
    this.workDir = workDir;
    this.displayName = displayName;
  }

  /** Parses the part after {@code docker-archive:}: {@code FILE} or {@code FILE:REF}. */
  public static DockerArchiveSource parse(String spec, Path workDir) {
    int colon = spec.indexOf(':');
    if (colon > 0) {
      return new DockerArchiveSource(
          Path.of(spec.substring(0, colon)), spec.substring(colon + 1), workDir);
    }
    return new DockerArchiveSource(Path.of(spec), null, workDir);
  }

  @Override
  public String name() {
    if (displayName != null) {
      return displayName;
    }
    return "docker-archive:" + archive + (ref == null ? "" : ":" + ref);
  }

  @Override
  public String defaultSifName() {
    try {
      if (repoTag != null) {
        return ImageReference.parse(repoTag).defaultSifName();
      }
    } catch (IllegalArgumentException ignored) {
      // an odd tag in the archive: fall back to the file name
    }
    return archive.getFileName().toString().replaceFirst("\\.tar$", "") + "_latest.oci.sif";
  }

  @Override
  public ResolvedImage resolve(Platform platform) throws IOException {
    unpacked = ArchiveExtractor.extract(archive, workDir, name());
    JsonNode entries = json(unpacked.resolve("manifest.json"), "manifest.json");
    JsonNode entry = pick(entries);
    JsonNode tags = entry.path("RepoTags");
    repoTag = tags.isArray() && tags.size() > 0 ? tags.get(0).asText() : null;

    Descriptor config =
        describe(entry.path("Config").asText(""), MediaTypes.DOCKER_CONFIG, "config");
    ObjectNode manifest = Json.object();
    manifest.put("schemaVersion", 2);
    manifest.put("mediaType", MediaTypes.DOCKER_MANIFEST);
    manifest.set("config", descriptorJson(config));
    ArrayNode layers = manifest.putArray("layers");
    JsonNode layerPaths = entry.path("Layers");
    if (!layerPaths.isArray()) {
      throw invalid("manifest.json entry has no Layers");
    }
    for (JsonNode p : layerPaths) {
      layers.add(descriptorJson(describe(p.asText(""), LAYER_TAR, "layer")));
    }
    byte[] bytes = Json.bytes(manifest);
    return new ResolvedImage(
        Digest.sha256(bytes), ImageDocuments.manifest(bytes, MediaTypes.DOCKER_MANIFEST), bytes);
  }

  private JsonNode pick(JsonNode entries) throws ImageException {
    if (!entries.isArray() || entries.isEmpty()) {
      throw invalid("manifest.json lists no images");
    }
    List<JsonNode> hits = new ArrayList<>();
    for (JsonNode e : entries) {
      if (ref == null || matches(e.path("RepoTags"), ref)) {
        hits.add(e);
      }
    }
    if (hits.isEmpty()) {
      throw new ImageException(Reason.NOT_FOUND, name() + ": no image tagged " + ref);
    }
    if (hits.size() > 1) {
      throw invalid(
          "the archive holds " + hits.size() + " images; name one as docker-archive:FILE:REF");
    }
    return hits.get(0);
  }

  private static boolean matches(JsonNode tags, String want) {
    for (JsonNode t : tags) {
      String tag = t.asText("");
      if (tag.equals(want) || tag.endsWith("/" + want)) {
        return true;
      }
    }
    return false;
  }

  private Descriptor describe(String relative, String mediaType, String what) throws IOException {
    if (relative.isEmpty() || relative.startsWith("/") || relative.contains("..")) {
      throw invalid("manifest.json names a bad " + what + " path \"" + relative + "\"");
    }
    Path file = unpacked.resolve(relative);
    if (!Files.isRegularFile(file)) {
      throw invalid(what + " " + relative + " is missing from the archive");
    }
    MessageDigest md = Digest.newSha256();
    long size;
    try (InputStream in = new DigestInputStream(Files.newInputStream(file), md)) {
      size = in.transferTo(OutputStream.nullOutputStream());
    }
    Digest d = Digest.of(md);
    blobs.put(d, file);
    return new Descriptor(mediaType, d, size, null, Map.of());
  }

  private static ObjectNode descriptorJson(Descriptor d) {
    ObjectNode n = Json.object();
    n.put("mediaType", d.mediaType());
    n.put("size", d.size());
    n.put("digest", d.digest().toString());
    return n;
  }

  private JsonNode json(Path file, String what) throws IOException {
    if (!Files.isRegularFile(file)) {
      throw invalid(what + " is missing: not a docker-archive");
    }
    if (Files.size(file) > MAX_DOCUMENT) {
      throw invalid(what + " is larger than " + MAX_DOCUMENT + " bytes");
    }
    try {
      return Json.read(Files.readAllBytes(file));
    } catch (IOException e) {
      throw invalid(what + " is not valid JSON");
    }
  }

  @Override
  public InputStream openBlob(Descriptor d) throws IOException {
    Path file = blobs.get(d.digest());
    if (file == null) {
      throw new ImageException(Reason.NOT_FOUND, name() + ": no blob " + d.digest());
    }
    return Files.newInputStream(file);
  }

  @Override
  public void close() throws IOException {
    if (unpacked != null) {
      ArchiveExtractor.delete(unpacked);
    }
  }

  private ImageException invalid(String why) {
    return new ImageException(Reason.INVALID, name() + ": " + why);
  }
}
