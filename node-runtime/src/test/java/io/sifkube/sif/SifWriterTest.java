package io.sifkube.sif;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Random;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SifWriterTest {

  @TempDir Path tmp;

  private Path file() {
    return tmp.resolve("t.sif");
  }

  private static InputStream bytes(String s) {
    return new ByteArrayInputStream(s.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void createWritesHeaderAndEmptyTable() throws Exception {
    var id = UUID.fromString("3fa802cc-358b-45e3-bcc0-69dc7a45f9f8");
    SifWriter.create(file(), CreateOptions.defaults().withId(id).withTime(1_600_000_000L)).close();
    try (SifFile f = SifFile.open(file())) {
      SifHeader h = f.header();
      assertThat(h.uuid()).isEqualTo(id);
      assertThat(h.createdAt()).isEqualTo(1_600_000_000L);
      assertThat(h.descriptorsTotal()).isEqualTo(48);
      assertThat(h.descriptorsFree()).isEqualTo(48);
      assertThat(h.descriptorsOffset()).isEqualTo(4096);
      assertThat(h.dataOffset()).isEqualTo(4096 + 48 * 585);
      assertThat(h.dataSize()).isZero();
      assertThat(f.descriptors()).isEmpty();
    }
    assertThat(Files.size(file())).isEqualTo(4096 + 48 * 585);
  }

  @Test
  void addAssignsSlotIdsPacksDataAndAlignsPartitions() throws Exception {
    try (SifWriter w = SifWriter.create(file(), CreateOptions.deterministic(4))) {
      var a = w.add(ObjectInput.of(SifCodes.DATA_GENERIC).withName("a"), bytes("hello"));
      var b = w.add(ObjectInput.of(SifCodes.DATA_DEFFILE).withGroup(0), bytes("xyz"));
      var p =
          w.add(
              ObjectInput.partition(SifCodes.FS_SQUASHFS, SifCodes.PART_SYSTEM, "amd64"),
              bytes("sq"));
      long data = 4096 + 4 * 585;
      assertThat(a.descriptor().id()).isEqualTo(1);
      assertThat(a.descriptor().offset()).isEqualTo(data);
      assertThat(b.descriptor().id()).isEqualTo(2);
      assertThat(b.descriptor().offset()).isEqualTo(data + 5);
      assertThat(b.descriptor().groupId()).isZero();
      assertThat(p.descriptor().offset()).isEqualTo(8192);
      assertThat(p.descriptor().sizeWithPadding()).isEqualTo(8192 - (data + 8) + 2);
      // Only OCI objects are hashed.
      assertThat(a.digest()).isEmpty();
    }
    try (SifFile f = SifFile.open(file())) {
      assertThat(f.header().descriptorsFree()).isEqualTo(1);
      assertThat(f.header().dataSize()).isEqualTo(8192 + 2 - (4096 + 4 * 585));
      assertThat(f.descriptor(1).nameText()).isEqualTo("a");
      assertThat(new String(f.openObject(2).readAllBytes(), StandardCharsets.UTF_8))
          .isEqualTo("xyz");
      assertThat(f.descriptor(3).partition().orElseThrow().arch()).isEqualTo("amd64");
      assertThat(f.header().primaryArch()).isEqualTo("unknown");
    }
  }

  @Test
  void ociObjectsStoreTheirSha256InExtra() throws Exception {
    try (SifWriter w = SifWriter.create(file(), CreateOptions.deterministic(2))) {
      w.add(ObjectInput.of(SifCodes.DATA_OCI_BLOB), bytes("{}"));
    }
    try (SifFile f = SifFile.open(file())) {
      assertThat(f.descriptor(1).ociDigest())
          .contains("sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a");
    }
  }

  @Test
  void streamsObjectsLargerThanTheCopyBufferAndDigestsThemOnTheWay() throws Exception {
    byte[] data = new byte[3 * (1 << 20) + 17];
    new Random(7).nextBytes(data);
    String digest;
    try (SifWriter w = SifWriter.create(file(), CreateOptions.defaults())) {
      digest =
          w.add(ObjectInput.of(SifCodes.DATA_OCI_BLOB), new ByteArrayInputStream(data))
              .digest()
              .orElseThrow();
    }
    String expected =
        "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
    assertThat(digest).isEqualTo(expected);
    try (SifFile f = SifFile.open(file())) {
      assertThat(f.openObject(1).readAllBytes()).isEqualTo(data);
    }
  }

  @Test
  void primaryPartitionSetsArchAndOnlyOneIsAllowed() throws Exception {
    try (SifWriter w = SifWriter.create(file(), CreateOptions.defaults())) {
      w.add(
          ObjectInput.partition(SifCodes.FS_SQUASHFS, SifCodes.PART_PRIMARY_SYSTEM, "arm64"),
          bytes("x"));
      assertThat(w.header().primaryArch()).isEqualTo("arm64");
      assertThatThrownBy(
              () ->
                  w.add(
                      ObjectInput.partition(
                          SifCodes.FS_SQUASHFS, SifCodes.PART_PRIMARY_SYSTEM, "amd64"),
                      bytes("y")))
          .isInstanceOf(SifException.class)
          .hasMessageContaining("already contains a primary partition");
    }
  }

  @Test
  void setPrimaryPartitionPromotesOneAndDemotesTheOther() throws Exception {
    try (SifWriter w = SifWriter.create(file(), CreateOptions.defaults())) {
      w.add(
          ObjectInput.partition(SifCodes.FS_SQUASHFS, SifCodes.PART_PRIMARY_SYSTEM, "386"),
          bytes("a"));
      w.add(ObjectInput.partition(SifCodes.FS_EXT3, SifCodes.PART_SYSTEM, "amd64"), bytes("b"));
      w.add(ObjectInput.of(SifCodes.DATA_GENERIC), bytes("c"));
      w.setPrimaryPartition(2);
      assertThatThrownBy(() -> w.setPrimaryPartition(3))
          .isInstanceOf(SifException.class)
          .hasMessageContaining("object 3 is not a partition");
    }
    try (SifFile f = SifFile.open(file())) {
      assertThat(f.descriptor(1).partition().orElseThrow().partType())
          .isEqualTo(SifCodes.PART_SYSTEM);
      var p2 = f.descriptor(2).partition().orElseThrow();
      assertThat(p2.partType()).isEqualTo(SifCodes.PART_PRIMARY_SYSTEM);
      // The reference copies the Go arch *name* into the 3-byte field here ("amd"); we store the
      // code.
      assertThat(p2.archCode()).isEqualTo("02");
      assertThat(f.header().primaryArch()).isEqualTo("amd64");
    }
  }

  @Test
  void deleteZeroesDataFreesTheSlotAndResetsArchOfAPrimaryPartition() throws Exception {
    long objectOffset;
    try (SifWriter w = SifWriter.create(file(), CreateOptions.deterministic(3))) {
      objectOffset =
          w.add(
                  ObjectInput.partition(SifCodes.FS_RAW, SifCodes.PART_PRIMARY_SYSTEM, "amd64"),
                  bytes("secret"))
              .descriptor()
              .offset();
      w.add(ObjectInput.of(SifCodes.DATA_GENERIC), bytes("tail"));
      w.delete(1, true, false);
      // The freed slot is the first one again.
      assertThat(w.add(ObjectInput.of(SifCodes.DATA_LABELS), bytes("{}")).descriptor().id())
          .isEqualTo(1);
    }
    byte[] all = Files.readAllBytes(file());
    assertThat(new String(all, (int) objectOffset, 6, StandardCharsets.ISO_8859_1))
        .isEqualTo("\0\0\0\0\0\0");
    try (SifFile f = SifFile.open(file())) {
      assertThat(f.header().archCode()).isEqualTo("00");
      assertThat(f.header().descriptorsFree()).isEqualTo(1);
    }
  }

  @Test
  void compactCutsTheFileBackButOnlyForTheLastObject() throws Exception {
    try (SifWriter w = SifWriter.create(file(), CreateOptions.deterministic(3))) {
      w.add(ObjectInput.of(SifCodes.DATA_GENERIC), bytes("first"));
      w.add(ObjectInput.partition(SifCodes.FS_RAW, SifCodes.PART_DATA, "amd64"), bytes("second"));
      assertThatThrownBy(() -> w.delete(1, false, true))
          .isInstanceOf(SifException.class)
          .hasMessageContaining("not the last object");
      w.delete(2, false, true);
    }
    long data = 4096 + 3 * 585;
    assertThat(Files.size(file())).isEqualTo(data + 5);
    try (SifFile f = SifFile.open(file())) {
      assertThat(f.header().dataSize()).isEqualTo(5);
      assertThat(f.descriptors()).hasSize(1);
    }
  }

  @Test
  void refusesWhenFullNamesTooLongAndMissingIds() throws Exception {
    try (SifWriter w = SifWriter.create(file(), CreateOptions.deterministic(1))) {
      assertThatThrownBy(
              () ->
                  w.add(ObjectInput.of(SifCodes.DATA_GENERIC).withName("n".repeat(129)), bytes("")))
          .isInstanceOf(SifException.class)
          .hasMessageContaining("longer than 128 bytes");
      w.add(ObjectInput.of(SifCodes.DATA_GENERIC), bytes("x"));
      assertThatThrownBy(() -> w.add(ObjectInput.of(SifCodes.DATA_GENERIC), bytes("y")))
          .isInstanceOf(SifException.class)
          .extracting(e -> ((SifException) e).reason())
          .isEqualTo(SifException.Reason.FULL);
      assertThatThrownBy(() -> w.delete(9, false, false))
          .isInstanceOf(SifException.class)
          .hasMessage(file() + ": no object with ID 9");
    }
  }

  @Test
  void emptyObjectsStayInsideTheFile() throws Exception {
    try (SifWriter w = SifWriter.create(file(), CreateOptions.deterministic(2))) {
      w.add(ObjectInput.of(SifCodes.DATA_GENERIC), bytes("x"));
      w.add(ObjectInput.partition(SifCodes.FS_RAW, SifCodes.PART_DATA, "amd64"), bytes(""));
    }
    try (SifFile f = SifFile.open(file())) {
      assertThat(f.descriptor(2).size()).isZero();
      assertThat(f.descriptor(2).offset()).isEqualTo(8192);
    }
  }

  @Test
  void deterministicImagesKeepZeroTimesThroughChanges() throws Exception {
    try (SifWriter w = SifWriter.create(file(), CreateOptions.deterministic(4))) {
      w.add(ObjectInput.of(SifCodes.DATA_GENERIC), bytes("a"));
      w.add(ObjectInput.of(SifCodes.DATA_GENERIC), bytes("b"));
      w.delete(1, true, false);
    }
    try (SifFile f = SifFile.open(file())) {
      assertThat(f.header().isDeterministic()).isTrue();
      assertThat(f.descriptor(2).createdAt()).isEqualTo(SifHeader.ZERO_TIME);
      assertThat(f.descriptor(2).modifiedAt()).isEqualTo(SifHeader.ZERO_TIME);
    }
  }

  @Test
  void addingFromAFileCopiesInTheKernelAndStillHashesOciBlobs() throws Exception {
    byte[] data = new byte[(1 << 20) * 2 + 5];
    new Random(3).nextBytes(data);
    Path src = tmp.resolve("blob.bin");
    Files.write(src, data);
    try (SifWriter w = SifWriter.create(file(), CreateOptions.deterministic(2))) {
      w.add(ObjectInput.of(SifCodes.DATA_GENERIC), src);
      var blob = w.add(ObjectInput.of(SifCodes.DATA_OCI_BLOB), src);
      String expected =
          "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
      assertThat(blob.digest()).contains(expected);
      assertThat(blob.descriptor().offset()).isEqualTo(4096 + 2 * 585 + data.length);
    }
    try (SifFile f = SifFile.open(file())) {
      assertThat(f.openObject(1).readAllBytes()).isEqualTo(data);
      assertThat(f.openObject(2).readAllBytes()).isEqualTo(data);
    }
  }

  @Test
  void aMissingSourceFileIsNamedAndLeavesTheImageUnchanged() throws Exception {
    SifWriter.create(file(), CreateOptions.deterministic(2)).close();
    byte[] before = Files.readAllBytes(file());
    Path missing = tmp.resolve("nope.bin");
    try (SifWriter w = SifWriter.open(file())) {
      assertThatThrownBy(() -> w.add(ObjectInput.of(SifCodes.DATA_GENERIC), missing))
          .isInstanceOf(SifException.class)
          .hasMessage(file() + ": cannot read " + missing + ": no such file or directory");
    }
    assertThat(Files.readAllBytes(file())).isEqualTo(before);
  }

  @Test
  void aStreamThatFailsHalfWayLeavesTheImageAsItWas() throws Exception {
    try (SifWriter w = SifWriter.create(file(), CreateOptions.deterministic(2))) {
      w.add(ObjectInput.of(SifCodes.DATA_GENERIC), bytes("kept"));
    }
    byte[] before = Files.readAllBytes(file());
    InputStream failing =
        new InputStream() {
          private int left = 3 << 20;

          @Override
          public int read() throws IOException {
            if (left-- == 0) {
              throw new IOException("connection reset");
            }
            return 7;
          }
        };
    try (SifWriter w = SifWriter.open(file())) {
      assertThatThrownBy(() -> w.add(ObjectInput.of(SifCodes.DATA_OCI_BLOB), failing))
          .isInstanceOf(SifException.class)
          .hasMessage(file() + ": writing object data: connection reset");
    }
    assertThat(Files.readAllBytes(file())).isEqualTo(before);
  }
}
