package io.sifkube.sif.integrity;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sifkube.json.Json;
import io.sifkube.sif.SifDescriptor;
import io.sifkube.sif.SifException;
import io.sifkube.sif.SifFile;
import io.sifkube.sif.SifHeader;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;

/**
 * What a SIF signature signs, as sylabs/sif v2's {@code pkg/integrity} writes it: {@code
 * {"version":1,"header":{"digest":…},"objects":[{"relativeId":…,"descriptorDigest":…,
 * "objectDigest":…}]}}, compact, in that field order. The header digest covers the launch script,
 * magic, version and ID; each descriptor digest covers its type, used flag, ID relative to the
 * lowest signed ID, link, size, creation time, UID, GID, name and extra (little endian), but not
 * its offset or modification time, so objects may move; the object digest covers the data. Checked
 * byte for byte against the reference's signed test images (ImageMetadataTest).
 *
 * @param headerDigest {@code sha256:HEX}
 * @param objects the covered objects, in ID order
 */
public record ImageMetadata(String headerDigest, List<ObjectDigests> objects) {

  /** One covered object. */
  public record ObjectDigests(long relativeId, String descriptorDigest, String objectDigest) {}

  /** The metadata of {@code covered} (objects of {@code sif}) as the file is now. */
  public static ImageMetadata of(SifFile sif, List<SifDescriptor> covered) throws SifException {
    long minId =
        covered.stream().mapToLong(d -> Integer.toUnsignedLong(d.id())).min().orElseThrow();
    return of(sif, covered, minId);
  }

  /**
   * As {@link #of(SifFile, List)}, relative IDs counted from {@code minId} (the group's lowest).
   */
  public static ImageMetadata of(SifFile sif, List<SifDescriptor> covered, long minId)
      throws SifException {
    List<SifDescriptor> sorted =
        covered.stream()
            .sorted(Comparator.comparingLong(d -> Integer.toUnsignedLong(d.id())))
            .toList();
    List<ObjectDigests> out = new ArrayList<>();
    for (SifDescriptor d : sorted) {
      long rel = Integer.toUnsignedLong(d.id()) - minId;
      out.add(new ObjectDigests(rel, sha256(descriptorBytes(d, rel)), objectDigest(sif, d)));
    }
    return new ImageMetadata(sha256(headerBytes(sif.header())), List.copyOf(out));
  }

  /** Launch script, magic, version and ID: the header fields a signature covers. */
  static byte[] headerBytes(SifHeader h) {
    ByteBuffer raw = h.encode();
    byte[] all = new byte[SifHeader.SIZE];
    raw.rewind();
    raw.get(all);
    ByteBuffer b = ByteBuffer.allocate(32 + 10 + 3 + 16);
    b.put(all, 0, 32).put(all, 32, 10).put(all, 42, 3).put(all, 48, 16);
    return b.array();
  }

  /** The descriptor fields a signature covers, with the ID made relative. */
  static byte[] descriptorBytes(SifDescriptor d, long relativeId) {
    ByteBuffer b =
        ByteBuffer.allocate(4 + 1 + 4 + 4 + 8 * 4 + 128 + 384).order(ByteOrder.LITTLE_ENDIAN);
    b.putInt(d.dataType())
        .put((byte) (d.used() ? 1 : 0))
        .putInt((int) relativeId)
        .putInt(d.linkRaw());
    b.putLong(d.size()).putLong(d.createdAt()).putLong(d.uid()).putLong(d.gid());
    b.put(d.name()).put(d.extra());
    return b.array();
  }

  private static String objectDigest(SifFile sif, SifDescriptor d) throws SifException {
    MessageDigest md = sha256();
    try (InputStream in = sif.openObject(d.id())) {
      byte[] buf = new byte[1 << 16];
      for (int n; (n = in.read(buf)) > 0; ) {
        md.update(buf, 0, n);
      }
    } catch (IOException e) {
      throw SifException.io(sif.path(), "reading object " + d.id(), e);
    }
    return "sha256:" + HexFormat.of().formatHex(md.digest());
  }

  /** The JSON the signature is made over. */
  public byte[] toJson() {
    ObjectNode root = Json.object();
    root.put("version", 1);
    root.putObject("header").put("digest", headerDigest);
    ArrayNode objs = root.putArray("objects");
    for (ObjectDigests o : objects) {
      ObjectNode n = objs.addObject();
      n.put("relativeId", o.relativeId());
      n.put("descriptorDigest", o.descriptorDigest());
      n.put("objectDigest", o.objectDigest());
    }
    return Json.bytes(root);
  }

  /** Reads signed metadata; null fields become empty strings, which then never match. */
  public static ImageMetadata parse(byte[] json) throws IOException {
    JsonNode root = Json.read(json);
    if (root.path("version").asInt(-1) != 1) {
      throw new IOException("metadata version " + root.path("version") + " is not 1");
    }
    List<ObjectDigests> objs = new ArrayList<>();
    for (JsonNode o : root.path("objects")) {
      objs.add(
          new ObjectDigests(
              o.path("relativeId").asLong(-1),
              o.path("descriptorDigest").asText(""),
              o.path("objectDigest").asText("")));
    }
    return new ImageMetadata(root.path("header").path("digest").asText(""), List.copyOf(objs));
  }

  private static String sha256(byte[] data) {
    return "sha256:" + HexFormat.of().formatHex(sha256().digest(data));
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
