package io.sifkube.image.oci;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;
import java.util.TreeMap;

/**
 * An OCI content descriptor: what a manifest or index says about one blob.
 *
 * @param mediaType the blob's media type
 * @param digest its digest, validated
 * @param size its size in bytes
 * @param platform for index entries, the platform it is built for, or null
 * @param annotations its annotations (possibly empty)
 */
public record Descriptor(
    String mediaType,
    Digest digest,
    long size,
    Platform platform,
    Map<String, String> annotations) {

  /** Parses a descriptor object; {@code where} names it in errors. */
  static Descriptor parse(JsonNode node, String where) {
    if (!node.isObject()) {
      throw new IllegalArgumentException(where + " is not an object");
    }
    JsonNode mt = node.path("mediaType");
    JsonNode dg = node.path("digest");
    JsonNode sz = node.path("size");
    if (!mt.isTextual() || !dg.isTextual() || !sz.canConvertToExactIntegral() || sz.asLong() < 0) {
      throw new IllegalArgumentException(where + " needs mediaType, digest and a size >= 0");
    }
    Digest digest;
    try {
      digest = Digest.parse(dg.asText());
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(where + " has an " + e.getMessage(), e);
    }
    Platform platform = null;
    if (node.path("platform").isObject()) {
      JsonNode p = node.path("platform");
      platform =
          new Platform(
              p.path("os").asText(""),
              p.path("architecture").asText(""),
              p.path("variant").asText(""));
    }
    Map<String, String> ann = new TreeMap<>();
    node.path("annotations").properties().forEach(f -> ann.put(f.getKey(), f.getValue().asText()));
    return new Descriptor(mt.asText(), digest, sz.asLong(), platform, Map.copyOf(ann));
  }
}
