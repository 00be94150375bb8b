package io.sifkube.sif.oci;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.sifkube.image.oci.Digest;
import io.sifkube.image.oci.MediaTypes;
import io.sifkube.json.Json;
import io.sifkube.sif.SifCodes;
import io.sifkube.sif.SifDescriptor;
import io.sifkube.sif.SifException;
import io.sifkube.sif.SifException.Reason;
import io.sifkube.sif.SifFile;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads the image of an OCI-SIF: RootIndex → manifest → config, verifying each document against the
 * digest it is referenced by, and locating each layer inside the file. Layers themselves are not
 * read (they may be gigabytes); {@link #verifyLayer} checks one when a caller needs that.
 */
public final class OciSifReader {

  /** The largest index, manifest or config document we read into memory. */
  static final int MAX_DOCUMENT = 4 << 20;

  private static final String COSIGN_REF_PREFIX = "_cosign";
  private static final String REF_NAME = "org.opencontainers.image.ref.name";

  private OciSifReader() {}

  /** True when {@code sif} holds an OCI.RootIndex object, as SingularityCE detects OCI-SIF. */
  public static boolean isOciSif(SifFile sif) {
    return sif.descriptors().stream().anyMatch(d -> d.dataType() == SifCodes.DATA_OCI_ROOT_INDEX);
  }

  /** Opens {@code file} and reads its single image. */
  public static OciSifImage read(Path file) throws SifException {
    try (SifFile sif = SifFile.open(file)) {
      return read(sif);
    }
  }

  /** Reads the single image of an open OCI-SIF. */
  public static OciSifImage read(SifFile sif) throws SifException {
    Path file = sif.path();
    List<SifDescriptor> roots =
        sif.descriptors().stream()
            .filter(d -> d.dataType() == SifCodes.DATA_OCI_ROOT_INDEX)
            .toList();
    if (roots.isEmpty()) {
      throw new SifException(
          file, Reason.NOT_OCI_SIF, "not an OCI-SIF: it holds no OCI.RootIndex object");
    }
    if (roots.size() > 1) {
      throw new SifException(
          file, Reason.CORRUPT, "holds " + roots.size() + " OCI.RootIndex objects; expected one");
    }
    SifDescriptor root = roots.get(0);
    Digest indexDigest = storedDigest(file, root);
    JsonNode index = readDocument(sif, root, indexDigest, "RootIndex");

    JsonNode entry = singleImage(file, index);
    String manifestType = text(file, entry, "mediaType", "RootIndex manifest entry");
    if (!MediaTypes.isManifest(manifestType)) {
      throw new SifException(
          file,
          Reason.NOT_OCI_SIF,
          "RootIndex references a " + manifestType + ", not an image manifest");
    }
    Digest manifestDigest = digestField(file, entry, "RootIndex manifest entry");
    SifDescriptor manifestBlob = blob(sif, manifestDigest, entry, "manifest");
    JsonNode manifest = readDocument(sif, manifestBlob, manifestDigest, "manifest");

    JsonNode configRef = manifest.path("config");
    Digest configDigest = digestField(file, configRef, "manifest config");
    SifDescriptor configBlob = blob(sif, configDigest, configRef, "config");
    JsonNode config = readDocument(sif, configBlob, configDigest, "config");

    JsonNode layerRefs = manifest.path("layers");
    if (!layerRefs.isArray()) {
      throw new SifException(
          file, Reason.CORRUPT, "manifest " + manifestDigest + " has no layers array");
    }
    List<OciSifImage.Layer> layers = new ArrayList<>();
    for (JsonNode ref : layerRefs) {
      Digest d = digestField(file, ref, "manifest layer");
      SifDescriptor b = blob(sif, d, ref, "layer");
      String type = text(file, ref, "mediaType", "manifest layer " + d);
      layers.add(new OciSifImage.Layer(d, type, b.id(), b.offset(), b.size()));
    }
    return new OciSifImage(
        file, indexDigest, manifestDigest, manifestType, configDigest, config, List.copyOf(layers));
  }

  /**
   * The bytes of the OCI blob {@code digest} (a config or a manifest: at most {@code maxBytes}),
   * checked against the digest.
   */
  public static byte[] readBlob(SifFile sif, Digest digest, int maxBytes) throws SifException {
    byte[] data = sif.readObject(blobDescriptor(sif, digest), maxBytes);
    if (!Digest.sha256(data).equals(digest)) {
      throw new SifException(
          sif.path(), Reason.CORRUPT, "blob " + digest + " does not match its digest");
    }
    return data;
  }

  /** The OCI.Blob object holding {@code digest}. */
  public static SifDescriptor blobDescriptor(SifFile sif, Digest digest) throws SifException {
    String want = digest.toString();
    for (SifDescriptor d : sif.descriptors()) {
      if (d.dataType() == SifCodes.DATA_OCI_BLOB && d.ociDigest().orElse("").equals(want)) {
        return d;
      }
    }
    throw new SifException(sif.path(), Reason.NOT_FOUND, "blob " + digest + " is not stored");
  }

  /** Re-hashes a layer's bytes and checks them against its digest. */
  public static void verifyLayer(SifFile sif, OciSifImage.Layer layer) throws SifException {
    var md = Digest.newSha256();
    try (var in = sif.openObject(layer.descriptorId())) {
      byte[] buf = new byte[1 << 16];
      int n;
      while ((n = in.read(buf)) > 0) {
        md.update(buf, 0, n);
      }
    } catch (IOException e) {
      throw SifException.io(sif.path(), "reading layer " + layer.digest(), e);
    }
    Digest actual = Digest.of(md);
    if (!actual.equals(layer.digest())) {
      throw new SifException(
          sif.path(),
          Reason.DIGEST_MISMATCH,
          "layer " + layer.digest() + " has content with digest " + actual);
    }
  }

  private static JsonNode singleImage(Path file, JsonNode index) throws SifException {
    JsonNode manifests = index.path("manifests");
    if (!manifests.isArray()) {
      throw new SifException(file, Reason.CORRUPT, "RootIndex has no manifests array");
    }
    List<JsonNode> images = new ArrayList<>();
    for (JsonNode m : manifests) {
      // Cosign signatures live in the same index as extra entries; they are not the image.
      if (!m.path("annotations").path(REF_NAME).asText("").startsWith(COSIGN_REF_PREFIX)) {
        images.add(m);
      }
    }
    if (images.size() != 1) {
      throw new SifException(
          file,
          Reason.NOT_OCI_SIF,
          "RootIndex references " + images.size() + " images; an OCI-SIF to run holds exactly one");
    }
    return images.get(0);
  }

  private static SifDescriptor blob(SifFile sif, Digest digest, JsonNode ref, String what)
      throws SifException {
    String want = digest.toString();
    for (SifDescriptor d : sif.descriptors()) {
      if (d.dataType() == SifCodes.DATA_OCI_BLOB && d.ociDigest().orElse("").equals(want)) {
        long size = ref.path("size").asLong(-1);
        if (size != d.size()) {
          throw new SifException(
              sif.path(),
              Reason.CORRUPT,
              what
                  + " "
                  + digest
                  + " is referenced with size "
                  + size
                  + " but stored with "
                  + d.size());
        }
        return d;
      }
    }
    throw new SifException(
        sif.path(), Reason.NOT_FOUND, what + " " + digest + " is referenced but not stored");
  }

  private static JsonNode readDocument(SifFile sif, SifDescriptor d, Digest digest, String what)
      throws SifException {
    byte[] bytes = sif.readObject(d, MAX_DOCUMENT);
    Digest actual = Digest.sha256(bytes);
    if (!actual.equals(digest)) {
      throw new SifException(
          sif.path(),
          Reason.DIGEST_MISMATCH,
          what + " " + digest + " (object " + d.id() + ") has content with digest " + actual);
    }
    try {
      JsonNode node = Json.read(bytes);
      if (node == null || !node.isObject()) {
        throw new SifException(
            sif.path(), Reason.CORRUPT, what + " " + digest + " is not a JSON object");
      }
      return node;
    } catch (JsonProcessingException e) {
      throw new SifException(
          sif.path(),
          Reason.CORRUPT,
          what + " " + digest + " is not valid JSON: " + e.getOriginalMessage());
    } catch (IOException e) {
      throw SifException.io(sif.path(), "parsing " + what, e);
    }
  }

  private static Digest storedDigest(Path file, SifDescriptor d) throws SifException {
    String text = d.ociDigest().orElse("");
    try {
      return Digest.parse(text);
    } catch (IllegalArgumentException e) {
      throw new SifException(
          file, Reason.CORRUPT, "object " + d.id() + " stores an " + e.getMessage());
    }
  }

  private static Digest digestField(Path file, JsonNode node, String what) throws SifException {
    String text = text(file, node, "digest", what);
    try {
      return Digest.parse(text);
    } catch (IllegalArgumentException e) {
      throw new SifException(file, Reason.CORRUPT, what + " has an " + e.getMessage());
    }
  }

  private static String text(Path file, JsonNode node, String field, String what)
      throws SifException {
    JsonNode v = node.path(field);
    if (!v.isTextual()) {
      throw new SifException(file, Reason.CORRUPT, what + " has no " + field);
    }
    return v.asText();
  }
}
