package io.sifkube.sif.oci;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sifkube.image.oci.Digest;
import io.sifkube.json.Json;

/**
 * The JSON documents of an OCI image (descriptors, manifests, indexes), built in a fixed field
 * order and written compactly, so the same inputs always give the same bytes and digests.
 */
public final class OciJson {

  private OciJson() {}

  public static ObjectNode descriptor(String mediaType, long size, Digest digest) {
    ObjectNode d = Json.object();
    d.put("mediaType", mediaType);
    d.put("size", size);
    d.put("digest", digest.toString());
    return d;
  }

  public static byte[] bytes(JsonNode node) {
    return Json.bytes(node);
  }
}
