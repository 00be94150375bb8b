package io.sifkube.sif.oci;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sifkube.image.oci.Digest;
import java.nio.charset.StandardCharsets;

/**
 * The JSON documents of an OCI image (descriptors, manifests, indexes), built in a fixed field
 * order and written compactly, so the same inputs always give the same bytes and digests.
 */
final class OciJson {

  static final ObjectMapper MAPPER = new ObjectMapper();

  private OciJson() {}

  static ObjectNode descriptor(String mediaType, long size, Digest digest) {
    ObjectNode d = MAPPER.createObjectNode();
    d.put("mediaType", mediaType);
    d.put("size", size);
    d.put("digest", digest.toString());
    return d;
  }

  static byte[] bytes(JsonNode node) {
    try {
      return MAPPER.writeValueAsString(node).getBytes(StandardCharsets.UTF_8);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a tree of plain JSON nodes always serialises", e);
    }
  }
}
