package io.sifkube.image.squash;

import io.airlift.compress.zstd.ZstdOutputStream;
import io.sifkube.image.oci.Digest;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

/** Builds small layer tars for tests, and reads merged tars back. */
final class TestLayers {

  private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
  private final TarArchiveOutputStream tar;

  TestLayers() {
    tar = new TarArchiveOutputStream(bytes);
    tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
    tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
  }

  TestLayers dir(String name) throws IOException {
    return entry(new TarArchiveEntry(name.endsWith("/") ? name : name + "/"), null);
  }

  TestLayers file(String name, String content) throws IOException {
    TarArchiveEntry e = new TarArchiveEntry(name);
    e.setMode(0100644);
    return entry(e, content.getBytes(StandardCharsets.UTF_8));
  }

  TestLayers symlink(String name, String target) throws IOException {
    TarArchiveEntry e = new TarArchiveEntry(name, TarConstants.LF_SYMLINK);
    e.setLinkName(target);
    return entry(e, null);
  }

  TestLayers hardlink(String name, String target) throws IOException {
    TarArchiveEntry e = new TarArchiveEntry(name, TarConstants.LF_LINK);
    e.setLinkName(target);
    return entry(e, null);
  }

  TestLayers entry(TarArchiveEntry e, byte[] content) throws IOException {
    if (content != null) {
      e.setSize(content.length);
    }
    tar.putArchiveEntry(e);
    if (content != null) {
      tar.write(content);
    }
    tar.closeArchiveEntry();
    return this;
  }

  private boolean finished;

  private void finish() throws IOException {
    if (!finished) {
      tar.finish();
      finished = true;
    }
  }

  /** Writes the layer, gzip-compressed, and returns it with its digest. */
  LayerInput write(Path dir, String name) throws IOException {
    finish();
    Path f = dir.resolve(name + ".tar.gz");
    try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(f))) {
      out.write(bytes.toByteArray());
    }
    return new LayerInput(Digest.sha256(Files.readAllBytes(f)), f);
  }

  /** The finished, uncompressed tar. */
  byte[] tarBytes() throws IOException {
    finish();
    return bytes.toByteArray();
  }

  /** Writes the layer zstd-compressed. */
  LayerInput writeZstd(Path dir, String name) throws IOException {
    finish();
    Path f = dir.resolve(name + ".tar.zst");
    try (OutputStream out = new ZstdOutputStream(Files.newOutputStream(f))) {
      out.write(bytes.toByteArray());
    }
    return new LayerInput(Digest.sha256(Files.readAllBytes(f)), f);
  }

  /** Writes the layer uncompressed. */
  LayerInput writePlain(Path dir, String name) throws IOException {
    finish();
    Path f = dir.resolve(name + ".tar");
    Files.write(f, bytes.toByteArray());
    return new LayerInput(Digest.sha256(Files.readAllBytes(f)), f);
  }

  /** A merged tar, entry name → entry, with file contents alongside. */
  record Merged(Map<String, TarArchiveEntry> entries, Map<String, String> contents) {}

  static Merged read(byte[] tarBytes) throws IOException {
    Map<String, TarArchiveEntry> entries = new LinkedHashMap<>();
    Map<String, String> contents = new LinkedHashMap<>();
    try (TarArchiveInputStream in = new TarArchiveInputStream(new ByteArrayInputStream(tarBytes))) {
      TarArchiveEntry e;
      while ((e = in.getNextEntry()) != null) {
        String name = e.getName().replaceAll("/$", "");
        if (entries.put(name, e) != null) {
          throw new AssertionError("duplicate entry in merged tar: " + name);
        }
        if (e.isFile()) {
          contents.put(name, new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
      }
    }
    return new Merged(entries, contents);
  }
}
