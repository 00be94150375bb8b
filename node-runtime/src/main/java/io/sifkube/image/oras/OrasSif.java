package io.sifkube.image.oras;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sifkube.files.Durable;
import io.sifkube.image.ImageException;
import io.sifkube.image.ImageException.Reason;
import io.sifkube.image.oci.Digest;
import io.sifkube.image.oci.MediaTypes;
import io.sifkube.image.push.RegistryPusher;
import io.sifkube.image.registry.RegistryClient;
import io.sifkube.json.Json;
import io.sifkube.sif.oci.OciJson;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.function.Consumer;

/**
 * {@code oras://}: a whole SIF file as the single layer of an OCI artifact, with SingularityCE's
 * media types: the config is the empty JSON {@code {}} typed {@value #CONFIG}, the layer is typed
 * {@value #LAYER} and titled with the file's name. Any SIF goes, OCI-SIF included.
 */
public final class OrasSif {

  public static final String CONFIG = "application/vnd.sylabs.sif.config.v1+json";
  public static final String LAYER = "application/vnd.sylabs.sif.layer.v1.sif";

  /** The layer type older SingularityCE pushed (its misspelling included); still pulled. */
  public static final String LEGACY_LAYER = "appliciation/vnd.sylabs.sif.layer.tar";

  private static final int MAX_MANIFEST = 4 << 20;
  private static final byte[] EMPTY_CONFIG = {'{', '}'};

  private OrasSif() {}

  /** Pushes {@code file} under {@code reference}; returns the manifest digest. */
  public static Digest push(Path file, RegistryPusher pusher, String reference) throws IOException {
    Path config = Files.createTempFile("sifkube-oras", ".json");
    try {
      Files.write(config, EMPTY_CONFIG);
      Digest configDigest = Digest.sha256(EMPTY_CONFIG);
      Digest layerDigest = sha256(file);
      long size = Files.size(file);
      pusher.pushBlob(RegistryPusher.Blob.of(layerDigest, file, 0, size), null);
      pusher.pushBlob(RegistryPusher.Blob.of(configDigest, config, 0, EMPTY_CONFIG.length), null);
      ObjectNode m = Json.object();
      m.put("schemaVersion", 2);
      m.put("mediaType", MediaTypes.OCI_MANIFEST);
      m.set("config", OciJson.descriptor(CONFIG, EMPTY_CONFIG.length, configDigest));
      ObjectNode layer = OciJson.descriptor(LAYER, size, layerDigest);
      layer
          .putObject("annotations")
          .put("org.opencontainers.image.title", file.getFileName().toString());
      m.putArray("layers").add(layer);
      byte[] manifest = OciJson.bytes(m);
      pusher.pushManifest(manifest, MediaTypes.OCI_MANIFEST, reference);
      return Digest.sha256(manifest);
    } finally {
      Files.deleteIfExists(config);
    }
  }

  /**
   * Downloads the SIF of the artifact {@code reference} to {@code dest}, atomically and checked
   * against the layer's digest; returns the manifest digest.
   */
  public static Digest pull(
      RegistryClient client, String image, String reference, Path dest, Consumer<String> info)
      throws IOException {
    RegistryClient.Response r = client.get("manifests/" + reference, MediaTypes.OCI_MANIFEST, 0);
    byte[] body;
    try (InputStream in = r.body()) {
      body = in.readNBytes(MAX_MANIFEST + 1);
    }
    if (body.length > MAX_MANIFEST) {
      throw new ImageException(Reason.INVALID, image + ": manifest is larger than 4 MiB");
    }
    Digest manifestDigest = Digest.sha256(body);
    if (reference.startsWith("sha256:") && !manifestDigest.toString().equals(reference)) {
      throw new ImageException(
          Reason.DIGEST_MISMATCH,
          image + ": manifest digest mismatch: expected " + reference + ", got " + manifestDigest);
    }
    JsonNode sifLayer = null;
    for (JsonNode l : Json.read(body).path("layers")) {
      String t = l.path("mediaType").asText();
      if (t.equals(LAYER) || t.equals(LEGACY_LAYER)) {
        if (sifLayer != null) {
          throw new ImageException(
              Reason.INVALID, image + ": the artifact holds more than one SIF");
        }
        sifLayer = l;
      }
    }
    if (sifLayer == null) {
      throw new ImageException(
          Reason.INVALID,
          image
              + ": not a SIF artifact (no layer of type "
              + LAYER
              + "); use docker:// for images");
    }
    Digest want;
    try {
      want = Digest.parse(sifLayer.path("digest").asText());
    } catch (IllegalArgumentException e) {
      throw new ImageException(Reason.INVALID, image + ": SIF layer: " + e.getMessage());
    }
    long size = sifLayer.path("size").asLong(-1);
    info.accept("Downloading SIF " + want + " (" + size + " bytes)");
    Path dir = dest.toAbsolutePath().getParent();
    Path tmp = Files.createTempFile(dir, "." + dest.getFileName(), ".tmp");
    try {
      MessageDigest md = Digest.newSha256();
      long got = 0;
      try (InputStream in = client.get("blobs/" + want, null, 0).body();
          OutputStream out = Files.newOutputStream(tmp)) {
        byte[] buf = new byte[1 << 16];
        for (int n; (n = in.read(buf)) > 0; ) {
          md.update(buf, 0, n);
          out.write(buf, 0, n);
          got += n;
        }
      }
      Digest actual = Digest.of(md);
      if (!actual.equals(want) || (size >= 0 && got != size)) {
        throw new ImageException(
            Reason.DIGEST_MISMATCH,
            image + ": SIF blob digest mismatch: expected " + want + ", got " + actual);
      }
      Durable.commit(tmp, dest);
      return manifestDigest;
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  private static Digest sha256(Path file) throws IOException {
    MessageDigest md = Digest.newSha256();
    try (InputStream in = Files.newInputStream(file)) {
      byte[] buf = new byte[1 << 16];
      for (int n; (n = in.read(buf)) > 0; ) {
        md.update(buf, 0, n);
      }
    }
    return Digest.of(md);
  }
}
