package io.sifkube.sif.integrity;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sifkube.json.Json;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * A DSSE envelope (github.com/secure-systems-lab/dsse) as sylabs/sif stores key-pair signatures:
 * {@code {"payloadType":…,"payload":BASE64,"signatures":[{"keyid":…,"sig":BASE64}]}}, each
 * signature made over the pre-authentication encoding {@code "DSSEv1" SP len(type) SP type SP
 * len(payload) SP payload}.
 */
public record Dsse(String payloadType, byte[] payload, List<Sig> signatures) {

  /** The payload type of SIF image metadata. */
  public static final String SIF_METADATA = "application/vnd.sylabs.sif-metadata+json";

  /** One signature: the signer's key id (may be empty) and the signature bytes. */
  public record Sig(String keyId, byte[] sig) {}

  /** The bytes every signature covers. */
  public static byte[] pae(String payloadType, byte[] payload) {
    byte[] type = payloadType.getBytes(StandardCharsets.UTF_8);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(("DSSEv1 " + type.length + " ").getBytes(StandardCharsets.US_ASCII));
    out.writeBytes(type);
    out.writeBytes((" " + payload.length + " ").getBytes(StandardCharsets.US_ASCII));
    out.writeBytes(payload);
    return out.toByteArray();
  }

  public byte[] toJson() {
    ObjectNode root = Json.object();
    root.put("payloadType", payloadType);
    root.put("payload", Base64.getEncoder().encodeToString(payload));
    var sigs = root.putArray("signatures");
    for (Sig s : signatures) {
      ObjectNode n = sigs.addObject();
      n.put("keyid", s.keyId());
      n.put("sig", Base64.getEncoder().encodeToString(s.sig()));
    }
    return Json.bytes(root);
  }

  /** Parses an envelope; refuses one without payload or signatures. */
  public static Dsse parse(byte[] json) throws IOException {
    JsonNode root = Json.read(json);
    String type = root.path("payloadType").asText("");
    String payload = root.path("payload").asText("");
    if (type.isEmpty() || payload.isEmpty()) {
      throw new IOException("not a DSSE envelope (no payloadType or payload)");
    }
    List<Sig> sigs = new ArrayList<>();
    for (JsonNode s : root.path("signatures")) {
      sigs.add(new Sig(s.path("keyid").asText(""), decode(s.path("sig").asText(""))));
    }
    if (sigs.isEmpty()) {
      throw new IOException("DSSE envelope holds no signature");
    }
    return new Dsse(type, decode(payload), List.copyOf(sigs));
  }

  /** DSSE allows standard or URL-safe base64, padded or not. */
  private static byte[] decode(String b64) throws IOException {
    try {
      String s = b64.replace('-', '+').replace('_', '/');
      return Base64.getDecoder().decode(s + "=".repeat((4 - s.length() % 4) % 4));
    } catch (IllegalArgumentException e) {
      throw new IOException("bad base64 in DSSE envelope", e);
    }
  }
}
