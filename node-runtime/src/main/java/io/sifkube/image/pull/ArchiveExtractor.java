package io.sifkube.image.pull;

import io.sifkube.image.ImageException;
import io.sifkube.image.ImageException.Reason;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

/**
 * Unpacks an image archive ({@code oci-archive:}, {@code docker-archive:}) into a private work
 * directory. Archives hold only JSON documents and blob files, so only plain files and directories
 * with clean relative names are unpacked; symbolic links are skipped, anything else is refused.
 */
final class ArchiveExtractor {

  private static final long MAX_ENTRIES = 1_000_000;

  private ArchiveExtractor() {}

  static Path extract(Path archive, Path workDir, String name) throws IOException {
    Path dest = Files.createTempDirectory(Files.createDirectories(workDir), "archive-");
    try (InputStream raw = new BufferedInputStream(Files.newInputStream(archive), 1 << 16);
        TarArchiveInputStream tar = new TarArchiveInputStream(raw)) {
      TarArchiveEntry e;
      long n = 0;
      while ((e = tar.getNextEntry()) != null) {
        if (++n > MAX_ENTRIES) {
          throw new ImageException(Reason.TOO_LARGE, name + ": archive has too many entries");
        }
        String entry = e.getName();
        String clean = cleanName(entry, name);
        if (clean.isEmpty()) {
          continue;
        }
        Path target = dest.resolve(clean);
        if (e.isDirectory()) {
          Files.createDirectories(target);
        } else if (e.isFile()) {
          Files.createDirectories(target.getParent());
          Files.copy(tar, target);
        } else if (e.isSymbolicLink()) {
          // docker save's legacy per-layer directories link to the layer files; manifest.json
          // names the files themselves, so the links are not needed and are never created.
          continue;
        } else {
          throw new ImageException(
              Reason.UNSAFE_LAYER,
              name + ": archive entry " + entry + " is not a plain file or directory");
        }
      }
    } catch (IOException | RuntimeException e) {
      delete(dest);
      if (e instanceof ImageException ie) {
        throw ie;
      }
      throw new ImageException(
          Reason.INVALID, name + ": cannot read archive: " + e.getMessage(), e);
    }
    return dest;
  }

  private static String cleanName(String entry, String name) throws ImageException {
    StringBuilder out = new StringBuilder();
    if (entry.startsWith("/")) {
      throw new ImageException(
          Reason.UNSAFE_LAYER, name + ": archive entry " + entry + " is absolute");
    }
    for (String part : entry.split("/")) {
      if (part.isEmpty() || part.equals(".")) {
        continue;
      }
      if (part.equals("..")) {
        throw new ImageException(
            Reason.UNSAFE_LAYER, name + ": archive entry " + entry + " climbs out of the archive");
      }
      if (out.length() > 0) {
        out.append('/');
      }
      out.append(part);
    }
    return out.toString();
  }

  /** Removes a work directory and everything in it. */
  static void delete(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
