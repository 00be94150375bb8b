package io.sifkube.sif.oci;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sifkube.files.Durable;
import io.sifkube.image.oci.Digest;
import io.sifkube.image.oci.MediaTypes;
import io.sifkube.json.Json;
import io.sifkube.sif.CreateOptions;
import io.sifkube.sif.ObjectInput;
import io.sifkube.sif.SifCodes;
import io.sifkube.sif.SifException;
import io.sifkube.sif.SifException.Reason;
import io.sifkube.sif.SifWriter;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Writes an OCI image as an OCI-SIF the way SingularityCE 4 does: a deterministic SIF (nil UUID,
 * zero times, no launch script) whose group 1 holds one OCI.Blob per layer, then the config, then
 * the manifest, and last an OCI.RootIndex with an image index that references the manifest. The
 * capacity is the object count plus {@link #SPARE_DESCRIPTORS}, room for signatures and overlays.
 *
 * <p>The file appears atomically: it is written under a temporary name next to the destination,
 * synced, renamed into place, and the directory synced.
 */
public final class OciSifWriter {

  /** Spare descriptor slots, as SingularityCE reserves. */
  public static final int SPARE_DESCRIPTORS = 8;

  private OciSifWriter() {}

  /**
   * Writes {@code layers} and {@code config} to {@code dest}. The config's {@code rootfs} is set to
   * the stored layers (an OCI-SIF stores layers uncompressed, so each diff_id is the layer digest);
   * every other config field is kept as given.
   *
   * @param manifestMediaType OCI or Docker schema 2 manifest type, kept from the source image
   */
  public static OciSifImage write(
      Path dest, List<LayerSource> layers, ObjectNode config, String manifestMediaType)
      throws SifException {
    if (!MediaTypes.isManifest(manifestMediaType)) {
      throw new SifException(
          dest, Reason.INVALID_ARGUMENT, "unsupported manifest media type " + manifestMediaType);
    }
    Path dir = dest.toAbsolutePath().getParent();
    Path tmp = dir.resolve("." + dest.getFileName() + ".tmp-" + UUID.randomUUID());
    try {
      OciSifImage written = writeTo(tmp, dest, layers, config, manifestMediaType);
      Durable.commit(tmp, dest);
      return written;
    } catch (IOException e) {
      throw SifException.io(dest, "writing OCI-SIF", e);
    } finally {
      try {
        Files.deleteIfExists(tmp);
      } catch (IOException ignored) {
        // best effort: a leftover temp file has a name no reader trusts
      }
    }
  }

  /**
   * Writes an image that already is what an OCI-SIF holds — one squashfs layer — with its config
   * and manifest bytes as given, so the OCI-SIF has the image's own manifest digest (a pushed
   * OCI-SIF pulled back is the same file). The manifest must reference exactly {@code config} and
   * {@code squashfs} (checked by digest and size).
   */
  public static OciSifImage writeVerbatim(
      Path dest, Path squashfs, byte[] config, byte[] manifest, String manifestMediaType)
      throws SifException {
    Path dir = dest.toAbsolutePath().getParent();
    Path tmp = dir.resolve("." + dest.getFileName() + ".tmp-" + UUID.randomUUID());
    try {
      OciSifImage written;
      try (SifWriter sif =
          SifWriter.create(tmp, CreateOptions.deterministic(3 + 1 + SPARE_DESCRIPTORS))) {
        ObjectInput blob = ObjectInput.of(SifCodes.DATA_OCI_BLOB);
        SifWriter.Added a = sif.add(blob, squashfs);
        Digest layerDigest = Digest.parse(a.digest().orElseThrow());
        var m = Json.read(manifest);
        var layers = m.path("layers");
        if (!layers.isArray()
            || layers.size() != 1
            || !layerDigest.toString().equals(layers.get(0).path("digest").asText())
            || a.descriptor().size() != layers.get(0).path("size").asLong(-1)
            || !Digest.sha256(config).toString().equals(m.path("config").path("digest").asText())) {
          throw new SifException(
              dest,
              Reason.INVALID_ARGUMENT,
              "the manifest does not reference this config and layer");
        }
        Digest cfgDigest = addBytes(sif, blob, config);
        Digest manifestDigest = addBytes(sif, blob, manifest);
        ObjectNode index = Json.object();
        index.put("schemaVersion", 2);
        index.put("mediaType", MediaTypes.OCI_INDEX);
        ObjectNode entry = OciJson.descriptor(manifestMediaType, manifest.length, manifestDigest);
        entry.put("artifactType", MediaTypes.configFor(manifestMediaType));
        index.putArray("manifests").add(entry);
        Digest indexDigest =
            addBytes(sif, ObjectInput.of(SifCodes.DATA_OCI_ROOT_INDEX), OciJson.bytes(index));
        var desc = a.descriptor();
        written =
            new OciSifImage(
                dest,
                indexDigest,
                manifestDigest,
                manifestMediaType,
                cfgDigest,
                Json.read(config),
                List.of(
                    new OciSifImage.Layer(
                        layerDigest,
                        MediaTypes.SIF_SQUASHFS_LAYER,
                        desc.id(),
                        desc.offset(),
                        desc.size())));
      }
      Durable.commit(tmp, dest);
      return written;
    } catch (IOException e) {
      if (e instanceof SifException se) {
        throw se;
      }
      throw SifException.io(dest, "writing OCI-SIF", e);
    } finally {
      try {
        Files.deleteIfExists(tmp);
      } catch (IOException ignored) {
        // best effort, as in write()
      }
    }
  }

  private static OciSifImage writeTo(
      Path tmp, Path dest, List<LayerSource> layers, ObjectNode config, String manifestType)
      throws IOException {
    int objects = layers.size() + 3;
    try (SifWriter sif =
        SifWriter.create(tmp, CreateOptions.deterministic(objects + SPARE_DESCRIPTORS))) {
      ObjectInput blob = ObjectInput.of(SifCodes.DATA_OCI_BLOB);
      List<OciSifImage.Layer> stored = new ArrayList<>();
      ArrayNode layerDescriptors = Json.array();
      ArrayNode diffIds = Json.array();
      for (LayerSource layer : layers) {
        SifWriter.Added a = sif.add(blob, layer.path());
        Digest d = Digest.parse(a.digest().orElseThrow());
        var desc = a.descriptor();
        stored.add(
            new OciSifImage.Layer(d, layer.mediaType(), desc.id(), desc.offset(), desc.size()));
        layerDescriptors.add(OciJson.descriptor(layer.mediaType(), desc.size(), d));
        diffIds.add(d.toString());
      }

      ObjectNode cfg = config.deepCopy();
      ObjectNode rootfs = Json.object();
      rootfs.put("type", "layers");
      rootfs.set("diff_ids", diffIds);
      cfg.set("rootfs", rootfs);
      byte[] cfgBytes = OciJson.bytes(cfg);
      Digest cfgDigest = addBytes(sif, blob, cfgBytes);
      String cfgType = MediaTypes.configFor(manifestType);

      ObjectNode manifest = Json.object();
      manifest.put("schemaVersion", 2);
      manifest.put("mediaType", manifestType);
      manifest.set("config", OciJson.descriptor(cfgType, cfgBytes.length, cfgDigest));
      manifest.set("layers", layerDescriptors);
      byte[] manifestBytes = OciJson.bytes(manifest);
      Digest manifestDigest = addBytes(sif, blob, manifestBytes);

      ObjectNode index = Json.object();
      index.put("schemaVersion", 2);
      index.put("mediaType", MediaTypes.OCI_INDEX);
      ObjectNode entry = OciJson.descriptor(manifestType, manifestBytes.length, manifestDigest);
      // Current SingularityCE (through go-containerregistry) records the config type here.
      entry.put("artifactType", cfgType);
      index.putArray("manifests").add(entry);
      Digest indexDigest =
          addBytes(sif, ObjectInput.of(SifCodes.DATA_OCI_ROOT_INDEX), OciJson.bytes(index));

      return new OciSifImage(
          dest, indexDigest, manifestDigest, manifestType, cfgDigest, cfg, List.copyOf(stored));
    }
  }

  private static Digest addBytes(SifWriter sif, ObjectInput kind, byte[] data) throws SifException {
    return Digest.parse(sif.add(kind, new ByteArrayInputStream(data)).digest().orElseThrow());
  }
}
