package io.sifkube.image.squash;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sifkube.image.ImageException;
import io.sifkube.image.ImageException.Reason;
import io.sifkube.image.oci.Digest;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LayerMergerTest {

  @TempDir Path tmp;

  private TestLayers.Merged merge(LayerLimits limits, LayerInput... layers) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    new LayerMerger("test/image:1", limits).merge(List.of(layers), out);
    return TestLayers.read(out.toByteArray());
  }

  private TestLayers.Merged merge(LayerInput... layers) throws Exception {
    return merge(LayerLimits.DEFAULT, layers);
  }

  @Test
  void eachLayersUncompressedTarMustHaveItsDiffId() throws Exception {
    TestLayers t = new TestLayers().file("f", "content");
    byte[] tar = t.tarBytes();
    LayerInput gz = t.write(tmp, "l");
    Digest right = Digest.sha256(tar);
    assertThat(merge(new LayerInput(gz.digest(), gz.blob(), right)).contents())
        .containsEntry("f", "content");
    LayerInput zst = t.writeZstd(tmp, "z");
    assertThat(merge(new LayerInput(zst.digest(), zst.blob(), right)).contents())
        .containsEntry("f", "content");
    // Garbage after the tar's end blocks is part of the stream the diff_id covers.
    Path padded = tmp.resolve("padded.tar");
    byte[] more = java.util.Arrays.copyOf(tar, tar.length + 512);
    more[more.length - 1] = 7;
    Files.write(padded, more);
    Digest wrong = Digest.sha256("something else".getBytes(StandardCharsets.UTF_8));
    for (LayerInput bad :
        List.of(
            new LayerInput(gz.digest(), gz.blob(), wrong),
            new LayerInput(Digest.sha256(more), padded, right))) {
      assertThatThrownBy(() -> merge(bad))
          .isInstanceOfSatisfying(
              ImageException.class,
              e -> assertThat(e.reason()).isEqualTo(ImageException.Reason.DIGEST_MISMATCH))
          .hasMessageContaining("layer " + bad.digest() + " uncompresses to sha256:")
          .hasMessageContaining("not to the config's rootfs.diff_ids entry " + bad.diffId());
    }
  }

  @Test
  void whiteoutsAndOpaqueDirectoriesHideLowerLayers() throws Exception {
    LayerInput lower =
        new TestLayers()
            .dir("a")
            .file("a/x", "x")
            .file("a/y", "y")
            .dir("b")
            .file("b/z", "z")
            .write(tmp, "lower");
    LayerInput upper =
        new TestLayers()
            .file("a/.wh.x", "")
            .dir("b")
            .file("b/.wh..wh..opq", "")
            .file("b/new", "n")
            .write(tmp, "upper");
    var m = merge(lower, upper);
    assertThat(m.entries().keySet()).containsExactlyInAnyOrder("a", "a/y", "b", "b/new");
  }

  @Test
  void aWhiteoutDoesNotHideItsOwnLayer() throws Exception {
    LayerInput only = new TestLayers().file("c/f", "kept").file("c/.wh.f", "").write(tmp, "l");
    assertThat(merge(only).contents()).containsEntry("c/f", "kept");
  }

  @Test
  void upperEntriesShadowLowerOnes() throws Exception {
    LayerInput lower =
        new TestLayers().file("f", "old").dir("d").file("d/inner", "i").write(tmp, "lower");
    LayerInput upper = new TestLayers().file("f", "new").file("d", "now a file").write(tmp, "up");
    var m = merge(lower, upper);
    assertThat(m.contents()).containsEntry("f", "new").containsEntry("d", "now a file");
    assertThat(m.entries()).doesNotContainKey("d/inner");
  }

  @Test
  void hardLinksAcrossLayersComeAfterTheirTargets() throws Exception {
    LayerInput lower = new TestLayers().file("bin/tool", "elf").write(tmp, "lower");
    LayerInput upper = new TestLayers().hardlink("bin/alias", "./bin/tool").write(tmp, "up");
    var m = merge(lower, upper);
    List<String> order = List.copyOf(m.entries().keySet());
    assertThat(order.indexOf("bin/alias")).isGreaterThan(order.indexOf("bin/tool"));
    TarArchiveEntry link = m.entries().get("bin/alias");
    assertThat(link.isLink()).isTrue();
    assertThat(link.getLinkName()).isEqualTo("bin/tool");
  }

  @Test
  void keepsModesOwnersDevicesAndXattrs() throws Exception {
    TarArchiveEntry suid = new TarArchiveEntry("usr/bin/su");
    suid.setMode(0104755);
    suid.setIds(0, 0);
    TarArchiveEntry owned = new TarArchiveEntry("home/u/");
    owned.setMode(040700);
    owned.setIds(1000, 1000);
    TarArchiveEntry dev = new TarArchiveEntry("dev/null", TarConstants.LF_CHR);
    dev.setDevMajor(1);
    dev.setDevMinor(3);
    TarArchiveEntry fifo = new TarArchiveEntry("run/fifo", TarConstants.LF_FIFO);
    TarArchiveEntry attr = new TarArchiveEntry("etc/cap");
    attr.addPaxHeader("SCHILY.xattr.security.capability", "v");
    attr.addPaxHeader("SCHILY.xattr.user.note", "hello");
    LayerInput l =
        new TestLayers()
            .entry(suid, "x".getBytes())
            .entry(owned, null)
            .entry(dev, null)
            .entry(fifo, null)
            .entry(attr, "c".getBytes())
            .symlink("lib64", "usr/lib")
            .write(tmp, "l");
    var m = merge(l);
    assertThat(m.entries().get("usr/bin/su").getMode() & 07777).isEqualTo(04755);
    assertThat(m.entries().get("home/u").getLongUserId()).isEqualTo(1000);
    assertThat(m.entries().get("dev/null").isCharacterDevice()).isTrue();
    assertThat(m.entries().get("dev/null").getDevMinor()).isEqualTo(3);
    assertThat(m.entries().get("run/fifo").isFIFO()).isTrue();
    assertThat(m.entries().get("lib64").getLinkName()).isEqualTo("usr/lib");
    assertThat(m.entries().get("etc/cap").getExtraPaxHeaders())
        .containsEntry("SCHILY.xattr.user.note", "hello")
        .containsEntry("SCHILY.xattr.security.capability", "v");
  }

  @Test
  void refusesPathTraversalNamingImageLayerAndEntry() throws Exception {
    LayerInput l = new TestLayers().file("../../etc/passwd", "x").write(tmp, "evil");
    assertThatThrownBy(() -> merge(l))
        .isInstanceOf(ImageException.class)
        .hasMessage(
            "test/image:1: layer "
                + l.digest()
                + " entry ../../etc/passwd refused: absolute path or \"..\" component")
        .extracting(e -> ((ImageException) e).reason())
        .isEqualTo(Reason.UNSAFE_LAYER);
  }

  @Test
  void refusesAbsoluteNames() throws Exception {
    TarArchiveEntry abs = new TarArchiveEntry("/etc/passwd", true);
    LayerInput l = new TestLayers().entry(abs, new byte[0]).write(tmp, "abs");
    assertThatThrownBy(() -> merge(l))
        .isInstanceOf(ImageException.class)
        .hasMessageContaining("entry /etc/passwd refused: absolute path");
  }

  @Test
  void cleansEntryNames() {
    assertThat(EntryPaths.clean("./a//b/./c/")).contains("a/b/c");
    assertThat(EntryPaths.clean("./")).contains("");
    assertThat(EntryPaths.clean("/")).contains("");
    assertThat(EntryPaths.clean("a/../b")).isEmpty();
    assertThat(EntryPaths.clean("/etc")).isEmpty();
    assertThat(EntryPaths.ancestors("a/b/c")).containsExactly("a/b", "a");
    assertThat(EntryPaths.clean("usr/bin/env")).contains("usr/bin/env");
    assertThat(EntryPaths.clean("a/..b/c..")).contains("a/..b/c..");
    assertThat(EntryPaths.clean("a/b\0/c")).isEmpty();
    assertThat(EntryPaths.clean("")).contains("");
  }

  /** The one-pass clean against its definition (split on "/", drop "" and ".", refuse ".."). */
  @Test
  void cleanAgreesWithSplitAndJoinOnEveryShortName() {
    char[] alphabet = {'a', '.', '/', '\0'};
    int checked = 0;
    for (int len = 0; len <= 7; len++) {
      for (long k = 0; k < Math.pow(alphabet.length, len); k++) {
        StringBuilder name = new StringBuilder();
        long rest = k;
        for (int i = 0; i < len; i++) {
          name.append(alphabet[(int) (rest % alphabet.length)]);
          rest /= alphabet.length;
        }
        String n = name.toString();
        assertThat(EntryPaths.clean(n))
            .as("clean(%s)", n.replace("\0", "\\0"))
            .isEqualTo(bySplit(n));
        checked++;
      }
    }
    assertThat(checked).isEqualTo(21845);
  }

  private static Optional<String> bySplit(String name) {
    if (name.matches("/+")) {
      return Optional.of("");
    }
    if (name.startsWith("/") || name.indexOf('\0') >= 0) {
      return Optional.empty();
    }
    List<String> parts = new ArrayList<>();
    for (String p : name.split("/")) {
      if (p.equals("..")) {
        return Optional.empty();
      }
      if (!p.isEmpty() && !p.equals(".")) {
        parts.add(p);
      }
    }
    return Optional.of(String.join("/", parts));
  }

  @Test
  void refusesWritingThroughASymlinkInTheSameLayer() throws Exception {
    LayerInput l =
        new TestLayers().symlink("etc", "/host/etc").file("etc/shadow", "x").write(tmp, "l");
    assertThatThrownBy(() -> merge(l))
        .isInstanceOf(ImageException.class)
        .hasMessageContaining("entry etc/shadow refused: it lies below the symbolic link etc");
  }

  @Test
  void refusesWritingThroughALowerLayersSymlink() throws Exception {
    LayerInput lower = new TestLayers().symlink("data", "../../").write(tmp, "lower");
    LayerInput upper = new TestLayers().file("data/x", "x").write(tmp, "upper");
    assertThatThrownBy(() -> merge(lower, upper))
        .isInstanceOf(ImageException.class)
        .hasMessageContaining("layer " + lower.digest() + " entry data refused");
  }

  @Test
  void refusesHardLinksOutOfTheRootOrToMissingFiles() throws Exception {
    LayerInput out = new TestLayers().hardlink("h", "../../etc/shadow").write(tmp, "out");
    assertThatThrownBy(() -> merge(out))
        .isInstanceOf(ImageException.class)
        .hasMessageContaining("entry h refused: hard link out of the root: ../../etc/shadow");

    LayerInput lower = new TestLayers().file("t", "x").write(tmp, "lower");
    LayerInput upper = new TestLayers().file(".wh.t", "").hardlink("h", "t").write(tmp, "upper");
    assertThatThrownBy(() -> merge(lower, upper))
        .isInstanceOf(ImageException.class)
        .hasMessageContaining("entry h refused: hard link to t, which is not a regular file");
  }

  @Test
  void refusesOwnersOutOfRange() throws Exception {
    TarArchiveEntry e = new TarArchiveEntry("f");
    e.setUserId(1L << 33);
    LayerInput l = new TestLayers().entry(e, new byte[0]).write(tmp, "uid");
    assertThatThrownBy(() -> merge(l))
        .isInstanceOf(ImageException.class)
        .hasMessageContaining("entry f refused: owner uid 8589934592 is out of range");
  }

  @Test
  void boundsBytesAndEntriesPerLayer() throws Exception {
    LayerInput big = new TestLayers().file("zeros", "0".repeat(1 << 20)).write(tmp, "bomb");
    assertThatThrownBy(() -> merge(new LayerLimits(64 * 1024, 100), big))
        .isInstanceOf(ImageException.class)
        .hasMessage("test/image:1: layer " + big.digest() + " expands to more than 65536 bytes")
        .extracting(e -> ((ImageException) e).reason())
        .isEqualTo(Reason.TOO_LARGE);
    TestLayers many = new TestLayers();
    for (int i = 0; i < 11; i++) {
      many.file("f" + i, "");
    }
    LayerInput lots = many.write(tmp, "many");
    assertThatThrownBy(() -> merge(new LayerLimits(1 << 20, 10), lots))
        .isInstanceOf(ImageException.class)
        .hasMessageContaining("has more than 10 entries");
  }

  @Test
  void refusesADuplicatedFileInOneLayer() throws Exception {
    LayerInput l = new TestLayers().file("f", "1").file("f", "2").write(tmp, "dup");
    assertThatThrownBy(() -> merge(l))
        .isInstanceOf(ImageException.class)
        .hasMessageContaining("holds entry f twice");
  }

  @Test
  void readsGzipZstdAndUncompressedLayers() throws Exception {
    LayerInput gz = new TestLayers().file("a", "gzip").write(tmp, "gz");
    LayerInput zst = new TestLayers().file("b", "zstd").writeZstd(tmp, "zst");
    LayerInput plain = new TestLayers().file("c", "plain").writePlain(tmp, "plain");
    var m = merge(gz, zst, plain);
    assertThat(m.contents())
        .containsEntry("a", "gzip")
        .containsEntry("b", "zstd")
        .containsEntry("c", "plain");
  }

  @Test
  void readsGzipLayersMadeOfSeveralMembers() throws Exception {
    // Parallel compressors write one gzip member per block; all of them are the layer.
    byte[] tar = new TestLayers().file("a", "x".repeat(100_000)).file("b", "second").tarBytes();
    Path f = tmp.resolve("multi.tar.gz");
    try (var out = Files.newOutputStream(f)) {
      int half = tar.length / 2;
      for (byte[] part :
          new byte[][] {
            Arrays.copyOfRange(tar, 0, half), Arrays.copyOfRange(tar, half, tar.length)
          }) {
        var gz = new GZIPOutputStream(out);
        gz.write(part);
        gz.finish();
      }
    }
    var layer = new LayerInput(Digest.sha256(Files.readAllBytes(f)), f);
    assertThat(merge(layer).contents()).containsEntry("b", "second");
  }
}
