package io.sifkube.e2e;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.airlift.compress.zstd.ZstdOutputStream;
import io.sifkube.image.oci.Digest;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

/**
 * Builds OCI image layouts for tests from layers described in code, including hostile layers no
 * image tool would write. Layers are gzip-compressed tars; the config and manifest are OCI.
 */
final class TestImages {

  private static final ObjectMapper JSON = new ObjectMapper();

  /** One layer under construction. */
  static final class Layer {
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final TarArchiveOutputStream tar = new TarArchiveOutputStream(bytes);

    Layer() {
      tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
      tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
    }

    Layer dir(String name, int mode, int uid, int gid) throws IOException {
      TarArchiveEntry e = new TarArchiveEntry(name.endsWith("/") ? name : name + "/");
      e.setMode(040000 | mode);
      e.setIds(uid, gid);
      return add(e, null);
    }

    Layer file(String name, String content, int mode) throws IOException {
      TarArchiveEntry e = new TarArchiveEntry(name, true);
      e.setMode(0100000 | mode);
      return add(e, content.getBytes(StandardCharsets.UTF_8));
    }

    Layer file(String name, byte[] content, int mode) throws IOException {
      TarArchiveEntry e = new TarArchiveEntry(name, true);
      e.setMode(0100000 | mode);
      return add(e, content);
    }

    Layer symlink(String name, String target) throws IOException {
      TarArchiveEntry e = new TarArchiveEntry(name, TarConstants.LF_SYMLINK);
      e.setLinkName(target);
      e.setMode(0120777);
      return add(e, null);
    }

    Layer hardlink(String name, String target) throws IOException {
      TarArchiveEntry e = new TarArchiveEntry(name, TarConstants.LF_LINK, true);
      e.setLinkName(target);
      return add(e, null);
    }

    Layer add(TarArchiveEntry e, byte[] content) throws IOException {
      e.setModTime(1_700_000_000_000L);
      if (content != null) {
        e.setSize(content.length);
      }
      tar.putArchiveEntry(e);
      if (content != null) {
        tar.write(content);
      }
      tar.closeArchiveEntry();
      return this;
    }

    byte[] tar() throws IOException {
      tar.finish();
      return bytes.toByteArray();
    }
  }

  private TestImages() {}

  /** Writes an OCI layout at {@code dir} holding one image tagged {@code tag}. */
  static Path layout(Path dir, String tag, String arch, List<Layer> layers) throws IOException {
    return layout(dir, tag, arch, layers, false);
  }

  /** As {@link #layout(Path, String, String, List)}, with zstd-compressed layers if asked. */
  static Path layout(Path dir, String tag, String arch, List<Layer> layers, boolean zstd)
      throws IOException {
    return layout(dir, tag, arch, layers, zstd, null);
  }

  /** With {@code imageConfig} as the config's {@code config} object (Cmd, Env, User, …). */
  static Path layout(
      Path dir, String tag, String arch, List<Layer> layers, boolean zstd, ObjectNode imageConfig)
      throws IOException {
    Files.createDirectories(dir.resolve("blobs/sha256"));
    Files.writeString(dir.resolve("oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");
    ObjectNode manifest = manifestFor(dir, arch, layers, zstd, imageConfig);
    byte[] m = JSON.writeValueAsBytes(manifest);
    Digest md = blob(dir, m);
    ObjectNode index = JSON.createObjectNode();
    index.put("schemaVersion", 2);
    index.put("mediaType", "application/vnd.oci.image.index.v1+json");
    ObjectNode entry = index.putArray("manifests").addObject();
    entry.put("mediaType", "application/vnd.oci.image.manifest.v1+json");
    entry.put("digest", md.toString());
    entry.put("size", m.length);
    entry.putObject("annotations").put("org.opencontainers.image.ref.name", tag);
    Files.write(dir.resolve("index.json"), JSON.writeValueAsBytes(index));
    return dir;
  }

  private static ObjectNode manifestFor(
      Path dir, String arch, List<Layer> layers, boolean zstd, ObjectNode imageConfig)
      throws IOException {
    ArrayNode layerDescs = JSON.createArrayNode();
    ArrayNode diffIds = JSON.createArrayNode();
    for (Layer l : layers) {
      byte[] raw = l.tar();
      diffIds.add(Digest.sha256(raw).toString());
      ByteArrayOutputStream packed = new ByteArrayOutputStream();
      try (OutputStream out = zstd ? new ZstdOutputStream(packed) : new GZIPOutputStream(packed)) {
        out.write(raw);
      }
      byte[] compressed = packed.toByteArray();
      ObjectNode d = layerDescs.addObject();
      d.put(
          "mediaType",
          zstd
              ? "application/vnd.oci.image.layer.v1.tar+zstd"
              : "application/vnd.oci.image.layer.v1.tar+gzip");
      d.put("digest", blob(dir, compressed).toString());
      d.put("size", compressed.length);
    }
    ObjectNode config = JSON.createObjectNode();
    config.put("created", "2026-01-01T00:00:00Z");
    config.put("architecture", arch);
    config.put("os", "linux");
    if (imageConfig != null) {
      config.set("config", imageConfig);
    } else {
      config.putObject("config").putArray("Cmd").add("/bin/sh");
    }
    ObjectNode rootfs = config.putObject("rootfs");
    rootfs.put("type", "layers");
    rootfs.set("diff_ids", diffIds);
    byte[] c = JSON.writeValueAsBytes(config);
    ObjectNode manifest = JSON.createObjectNode();
    manifest.put("schemaVersion", 2);
    manifest.put("mediaType", "application/vnd.oci.image.manifest.v1+json");
    ObjectNode cd = manifest.putObject("config");
    cd.put("mediaType", "application/vnd.oci.image.config.v1+json");
    cd.put("digest", blob(dir, c).toString());
    cd.put("size", c.length);
    manifest.set("layers", layerDescs);
    return manifest;
  }

  /** A multi-arch layout: one index tagged {@code tag} over one image per architecture. */
  static Path multiArch(Path dir, String tag, List<String> arches, List<List<Layer>> layersPerArch)
      throws IOException {
    Files.createDirectories(dir.resolve("blobs/sha256"));
    Files.writeString(dir.resolve("oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");
    ObjectNode nested = JSON.createObjectNode();
    nested.put("schemaVersion", 2);
    nested.put("mediaType", "application/vnd.oci.image.index.v1+json");
    ArrayNode ms = nested.putArray("manifests");
    for (int i = 0; i < arches.size(); i++) {
      byte[] m =
          JSON.writeValueAsBytes(
              manifestFor(dir, arches.get(i), layersPerArch.get(i), false, null));
      ObjectNode e = ms.addObject();
      e.put("mediaType", "application/vnd.oci.image.manifest.v1+json");
      e.put("digest", blob(dir, m).toString());
      e.put("size", m.length);
      e.putObject("platform").put("os", "linux").put("architecture", arches.get(i));
    }
    byte[] n = JSON.writeValueAsBytes(nested);
    ObjectNode index = JSON.createObjectNode();
    index.put("schemaVersion", 2);
    ObjectNode entry = index.putArray("manifests").addObject();
    entry.put("mediaType", "application/vnd.oci.image.index.v1+json");
    entry.put("digest", blob(dir, n).toString());
    entry.put("size", n.length);
    entry.putObject("annotations").put("org.opencontainers.image.ref.name", tag);
    Files.write(dir.resolve("index.json"), JSON.writeValueAsBytes(index));
    return dir;
  }

  private static Digest blob(Path dir, byte[] data) throws IOException {
    Digest d = Digest.sha256(data);
    Files.write(dir.resolve("blobs/sha256").resolve(d.hex()), data);
    return d;
  }

  static List<Layer> layers(Layer... ls) {
    return new ArrayList<>(List.of(ls));
  }
}
