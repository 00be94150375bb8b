package io.sifkube.sif.oci;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sifkube.image.oci.Digest;
import io.sifkube.image.oci.MediaTypes;
import io.sifkube.sif.CreateOptions;
import io.sifkube.sif.ObjectInput;
import io.sifkube.sif.SifCodes;
import io.sifkube.sif.SifDescriptor;
import io.sifkube.sif.SifException;
import io.sifkube.sif.SifFile;
import io.sifkube.sif.SifHeader;
import io.sifkube.sif.SifWriter;
import java.io.ByteArrayInputStream;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OciSifRoundTripTest {

  @TempDir Path tmp;
  private Path layer;
  private byte[] layerBytes;

  @BeforeEach
  void makeLayer() throws Exception {
    layerBytes = new byte[70_001];
    new Random(42).nextBytes(layerBytes);
    layer = tmp.resolve("layer.sqfs");
    Files.write(layer, layerBytes);
  }

  static ObjectNode config() {
    ObjectNode c = new ObjectMapper().createObjectNode();
    c.put("architecture", "amd64");
    c.put("os", "linux");
    c.putObject("config").putArray("Cmd").add("/bin/sh");
    c.putObject("rootfs").put("type", "layers").putArray("diff_ids").add("sha256:stale");
    return c;
  }

  private OciSifImage write(Path dest) throws Exception {
    return OciSifWriter.write(
        dest, List.of(LayerSource.squashfs(layer)), config(), MediaTypes.OCI_MANIFEST);
  }

  @Test
  void writingTwiceFromTheSameInputsGivesIdenticalBytes() throws Exception {
    write(tmp.resolve("a.oci.sif"));
    write(tmp.resolve("b.oci.sif"));
    assertThat(Files.mismatch(tmp.resolve("a.oci.sif"), tmp.resolve("b.oci.sif"))).isEqualTo(-1L);
  }

  @Test
  void layoutIsWhatSingularityWrites() throws Exception {
    Path f = tmp.resolve("img.oci.sif");
    write(f);
    try (SifFile sif = SifFile.open(f)) {
      SifHeader h = sif.header();
      assertThat(h.isDeterministic()).isTrue();
      assertThat(h.launchScriptText()).isEmpty();
      assertThat(h.archCode()).isEqualTo("00");
      assertThat(h.descriptorsTotal()).isEqualTo(4 + OciSifWriter.SPARE_DESCRIPTORS);
      assertThat(h.descriptorsFree()).isEqualTo(OciSifWriter.SPARE_DESCRIPTORS);
      assertThat(h.dataOffset()).isEqualTo(4096 + 12 * 585);
      List<SifDescriptor> ds = sif.descriptors();
      assertThat(ds)
          .extracting(SifDescriptor::dataType)
          .containsExactly(
              SifCodes.DATA_OCI_BLOB,
              SifCodes.DATA_OCI_BLOB,
              SifCodes.DATA_OCI_BLOB,
              SifCodes.DATA_OCI_ROOT_INDEX);
      assertThat(ds).extracting(SifDescriptor::groupId).containsOnly(1);
      assertThat(ds).extracting(SifDescriptor::linkedId).containsOnly(0);
      assertThat(ds).extracting(SifDescriptor::nameText).containsOnly("");
      // OCI blobs are packed, not aligned: each starts where the previous ended.
      for (int i = 1; i < ds.size(); i++) {
        assertThat(ds.get(i).offset()).isEqualTo(ds.get(i - 1).end());
      }
    }
  }

  @Test
  void readBackReturnsTheSameDigestsAndLayerOffsets() throws Exception {
    Path f = tmp.resolve("img.oci.sif");
    OciSifImage written = write(f);
    OciSifImage read = OciSifReader.read(f);

    assertThat(read.manifestDigest()).isEqualTo(written.manifestDigest());
    assertThat(read.configDigest()).isEqualTo(written.configDigest());
    assertThat(read.indexDigest()).isEqualTo(written.indexDigest());
    assertThat(read.layers()).isEqualTo(written.layers());
    assertThat(read.manifestMediaType()).isEqualTo(MediaTypes.OCI_MANIFEST);

    OciSifImage.Layer l = read.layers().get(0);
    assertThat(l.mediaType()).isEqualTo(MediaTypes.SIF_SQUASHFS_LAYER);
    assertThat(l.size()).isEqualTo(layerBytes.length);
    assertThat(l.digest()).isEqualTo(Digest.sha256(layerBytes));
    byte[] atOffset = new byte[layerBytes.length];
    try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "r")) {
      raf.seek(l.offset());
      raf.readFully(atOffset);
    }
    assertThat(atOffset).isEqualTo(layerBytes);

    // The config now describes the stored layer: diff_id = digest of the uncompressed squashfs.
    assertThat(read.config().path("rootfs").path("diff_ids").get(0).asText())
        .isEqualTo(l.digest().toString());
    assertThat(read.config().path("rootfs").path("diff_ids")).hasSize(1);
    assertThat(read.config().path("config").path("Cmd").get(0).asText()).isEqualTo("/bin/sh");
    try (SifFile sif = SifFile.open(f)) {
      OciSifReader.verifyLayer(sif, l);
    }
  }

  @Test
  void rootIndexReferencesTheManifestWithItsConfigTypeAsArtifactType() throws Exception {
    Path f = tmp.resolve("img.oci.sif");
    write(f);
    try (SifFile sif = SifFile.open(f)) {
      SifDescriptor root = sif.descriptors().get(3);
      var index = new ObjectMapper().readTree(sif.readObject(root, 1 << 16));
      assertThat(index.path("mediaType").asText()).isEqualTo(MediaTypes.OCI_INDEX);
      assertThat(index.path("schemaVersion").asInt()).isEqualTo(2);
      var entry = index.path("manifests").get(0);
      assertThat(entry.path("artifactType").asText()).isEqualTo(MediaTypes.OCI_CONFIG);
      assertThat(entry.path("annotations").isMissingNode()).isTrue();
      assertThat(root.ociDigest().orElseThrow())
          .isEqualTo(Digest.sha256(sif.readObject(root, 1 << 16)).toString());
    }
  }

  @Test
  void dockerManifestsKeepTheirMediaTypes() throws Exception {
    Path f = tmp.resolve("docker.oci.sif");
    OciSifWriter.write(
        f, List.of(LayerSource.squashfs(layer)), config(), MediaTypes.DOCKER_MANIFEST);
    OciSifImage img = OciSifReader.read(f);
    assertThat(img.manifestMediaType()).isEqualTo(MediaTypes.DOCKER_MANIFEST);
  }

  @Test
  void aNativeSifIsNotAnOciSif() throws Exception {
    Path f = tmp.resolve("native.sif");
    try (SifWriter w = SifWriter.create(f, CreateOptions.defaults())) {
      w.add(
          ObjectInput.partition(SifCodes.FS_SQUASHFS, SifCodes.PART_PRIMARY_SYSTEM, "amd64"),
          new ByteArrayInputStream(new byte[] {1}));
    }
    assertThatThrownBy(() -> OciSifReader.read(f))
        .isInstanceOf(SifException.class)
        .hasMessage(f + ": not an OCI-SIF: it holds no OCI.RootIndex object");
  }

  @Test
  void aFailedWriteLeavesNothingBehind() throws Exception {
    Path dest = tmp.resolve("out.oci.sif");
    var missing = new LayerSource(MediaTypes.SIF_SQUASHFS_LAYER, tmp.resolve("no-such-layer"));
    assertThatThrownBy(
            () -> OciSifWriter.write(dest, List.of(missing), config(), MediaTypes.OCI_MANIFEST))
        .isInstanceOf(SifException.class)
        .hasMessageContaining("no-such-layer");
    try (var left = Files.list(tmp)) {
      assertThat(left).containsExactly(layer);
    }
  }
}
