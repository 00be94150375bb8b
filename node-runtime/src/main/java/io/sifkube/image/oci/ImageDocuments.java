package io.sifkube.image.oci;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.sifkube.json.Json;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Parses image manifests and indexes (OCI and Docker schema 2) strictly. A document that could be
 * read two ways — both {@code manifests} and {@code layers}, a body media type that contradicts the
 * one it was served as, duplicate keys — is refused rather than guessed at.
 */
public final class ImageDocuments {

  private ImageDocuments() {}

  /** A parsed image manifest. */
  public record Manifest(String mediaType, Descriptor config, List<Descriptor> layers) {}

  /** A parsed image index or manifest list. */
  public record Index(String mediaType, List<Descriptor> manifests) {}

  /**
   * Works out what a fetched document is: its media type as served ({@code contentType}, may be
   * null or generic) checked against the one in its body.
   *
   * @throws IllegalArgumentException when it is not JSON, not a manifest or index, or ambiguous
   */
  public static String mediaTypeOf(byte[] body, String contentType) {
    JsonNode n = tree(body);
    boolean isIndex = n.has("manifests");
    boolean isManifest = n.has("layers") || n.has("config");
    if (isIndex && isManifest) {
      throw new IllegalArgumentException("document has both manifests and layers: ambiguous");
    }
    String declared = n.path("mediaType").asText("");
    String served = contentType == null ? "" : contentType.split(";")[0].trim();
    boolean servedSpecific = isKnown(served);
    if (!declared.isEmpty() && servedSpecific && !declared.equals(served)) {
      throw new IllegalArgumentException(
          "document declares media type " + declared + " but was served as " + served);
    }
    String type = !declared.isEmpty() ? declared : servedSpecific ? served : "";
    if (type.isEmpty()) {
      // OCI allows leaving mediaType out; the shape then decides.
      type = isIndex ? MediaTypes.OCI_INDEX : MediaTypes.OCI_MANIFEST;
    }
    boolean typeIsIndex =
        type.equals(MediaTypes.OCI_INDEX) || type.equals(MediaTypes.DOCKER_MANIFEST_LIST);
    if (!isKnown(type)) {
      throw new IllegalArgumentException("unsupported media type " + type);
    }
    if (typeIsIndex != isIndex) {
      throw new IllegalArgumentException("media type " + type + " does not match the document");
    }
    if (n.path("schemaVersion").asInt(0) != 2) {
      throw new IllegalArgumentException("schemaVersion is not 2");
    }
    return type;
  }

  public static boolean isIndex(String mediaType) {
    return mediaType.equals(MediaTypes.OCI_INDEX)
        || mediaType.equals(MediaTypes.DOCKER_MANIFEST_LIST);
  }

  public static Manifest manifest(byte[] body, String mediaType) {
    JsonNode n = tree(body);
    Descriptor config = Descriptor.parse(n.path("config"), "manifest config");
    JsonNode ls = n.path("layers");
    if (!ls.isArray()) {
      throw new IllegalArgumentException("manifest has no layers array");
    }
    List<Descriptor> layers = new ArrayList<>();
    for (int i = 0; i < ls.size(); i++) {
      layers.add(Descriptor.parse(ls.get(i), "manifest layer " + i));
    }
    return new Manifest(mediaType, config, List.copyOf(layers));
  }

  public static Index index(byte[] body, String mediaType) {
    JsonNode ms = tree(body).path("manifests");
    List<Descriptor> out = new ArrayList<>();
    for (int i = 0; i < ms.size(); i++) {
      out.add(Descriptor.parse(ms.get(i), "index entry " + i));
    }
    return new Index(mediaType, List.copyOf(out));
  }

  /** The single entry of {@code index} for {@code platform}. */
  public static Descriptor select(Index index, Platform platform) {
    List<Descriptor> hits =
        index.manifests().stream()
            .filter(d -> MediaTypes.isManifest(d.mediaType()) && platform.matches(d.platform()))
            .toList();
    if (hits.isEmpty()) {
      List<String> have =
          index.manifests().stream()
              .map(d -> d.platform() == null ? "?" : d.platform().toString())
              .toList();
      throw new IllegalArgumentException(
          "no image for platform " + platform + " (the index has " + String.join(", ", have) + ")");
    }
    return hits.get(0);
  }

  static JsonNode tree(byte[] body) {
    try {
      JsonNode n = Json.read(body);
      if (n == null || !n.isObject()) {
        throw new IllegalArgumentException("document is not a JSON object");
      }
      return n;
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException(
          "document is not valid JSON: " + e.getOriginalMessage(), e);
    } catch (IOException e) {
      throw new IllegalArgumentException("document cannot be read: " + e.getMessage(), e);
    }
  }

  private static boolean isKnown(String t) {
    return t.equals(MediaTypes.OCI_INDEX)
        || t.equals(MediaTypes.OCI_MANIFEST)
        || t.equals(MediaTypes.DOCKER_MANIFEST_LIST)
        || t.equals(MediaTypes.DOCKER_MANIFEST);
  }
}
