package io.sifkube.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.sifkube.image.push.TarLayer;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code push --layer-format tar}'s conversion on a real squashfs holding overlayfs whiteouts (an
 * opaque directory and a 0:0 character device), made by mksquashfs as root: they come out as the
 * OCI whiteout files, and the digests are those of the bytes written.
 */
class TarLayerIT {

  @TempDir Path tmp;

  @Test
  void overlayWhiteoutsBecomeOciWhiteouts() throws Exception {
    assertThat(Launcher.isRoot()).as("mknod and trusted.* xattrs need root").isTrue();
    Path tree = Files.createDirectories(tmp.resolve("tree"));
    Files.createDirectories(tree.resolve("opaque"));
    Files.writeString(tree.resolve("opaque/kept"), "kept");
    Files.writeString(tree.resolve("plain"), "plain");
    Launcher.exec(List.of("mknod", tree.resolve("gone").toString(), "c", "0", "0")).ok();
    // trusted.overlay.opaque=y, as overlayfs marks a directory that hides the layers below
    Launcher.exec(
            List.of(
                "python3",
                "-c",
                "import os,sys; os.setxattr(sys.argv[1], 'trusted.overlay.opaque', b'y')",
                tree.resolve("opaque").toString()))
        .ok();
    Path sqfs = tmp.resolve("layer.sqfs");
    Launcher.exec(
            List.of(
                "mksquashfs",
                tree.toString(),
                sqfs.toString(),
                "-noappend",
                "-quiet",
                "-no-progress",
                "-xattrs"))
        .ok();

    TarLayer t = TarLayer.of(sqfs, "test");

    List<String> names = new ArrayList<>();
    List<TarArchiveEntry> entries = new ArrayList<>();
    var sha = io.sifkube.image.oci.Digest.newSha256();
    try (InputStream gz = Files.newInputStream(t.gz());
        var counted = new java.security.DigestInputStream(new GZIPInputStream(gz), sha);
        TarArchiveInputStream in = new TarArchiveInputStream(counted)) {
      for (TarArchiveEntry e; (e = in.getNextEntry()) != null; ) {
        names.add(e.getName());
        entries.add(e);
      }
      counted.transferTo(java.io.OutputStream.nullOutputStream());
    }
    assertThat(names)
        .contains("opaque/", "opaque/kept", "opaque/.wh..wh..opq", "plain", ".wh.gone")
        .doesNotContain("gone");
    assertThat(entries).noneMatch(TarArchiveEntry::isCharacterDevice);
    TarArchiveEntry opq =
        entries.stream()
            .filter(e -> e.getName().equals("opaque/.wh..wh..opq"))
            .findFirst()
            .orElseThrow();
    assertThat(opq.getMode() & 07777).isEqualTo(0600);
    TarArchiveEntry dir =
        entries.stream().filter(e -> e.getName().equals("opaque/")).findFirst().orElseThrow();
    assertThat(dir.getExtraPaxHeader("SCHILY.xattr.trusted.overlay.opaque")).isNull();
    assertThat(io.sifkube.image.oci.Digest.of(sha)).isEqualTo(t.diffId());
    try (InputStream gz = Files.newInputStream(t.gz())) {
      var d = io.sifkube.image.oci.Digest.newSha256();
      d.update(gz.readAllBytes());
      assertThat(io.sifkube.image.oci.Digest.of(d)).isEqualTo(t.digest());
    }
  }
}
