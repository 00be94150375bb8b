package io.sifkube.image.push;

import io.sifkube.image.ImageException;
import io.sifkube.image.ImageException.Reason;
import io.sifkube.image.oci.Digest;
import io.sifkube.runtime.Executables;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/**
 * An OCI-SIF's squashfs layer turned back into a gzip tar layer that any OCI runtime unpacks
 * ({@code push --layer-format tar}), as SingularityCE does: squashfs-tools-ng's {@code sqfs2tar}
 * writes the tar, and overlayfs whiteouts become the OCI (AUFS) ones — a directory marked opaque
 * ({@code trusted.overlay.opaque=y}) is followed by {@code DIR/.wh..wh..opq}, a 0:0 character
 * device NAME becomes an empty {@code .wh.NAME} — each 0600 with the entry's owner.
 *
 * @param gz the gzip file
 * @param diffId SHA-256 of the uncompressed tar (the config's diff_id)
 * @param digest SHA-256 of the gzip file (the layer's digest)
 * @param size the gzip file's size
 */
public record TarLayer(Path gz, Digest diffId, Digest digest, long size) {

  private static final String OPAQUE = "SCHILY.xattr.trusted.overlay.opaque";

  /** Converts the squashfs image {@code sqfs} into a gzip tar next to it. */
  public static TarLayer of(Path sqfs, String image) throws IOException {
    Path sqfs2tar =
        Executables.find("sqfs2tar")
            .orElseThrow(
                () ->
                    new ImageException(
                        Reason.UNSUPPORTED,
                        image
                            + ": --layer-format tar needs sqfs2tar (apt-get install squashfs-tools-ng)"));
    Path gz = sqfs.resolveSibling(sqfs.getFileName() + ".tar.gz");
    Process p =
        new ProcessBuilder(sqfs2tar.toString(), "--root-becomes", ".", sqfs.toString())
            .redirectError(ProcessBuilder.Redirect.PIPE)
            .start();
    MessageDigest tarSha = Digest.newSha256();
    MessageDigest gzSha = Digest.newSha256();
    try (InputStream raw = p.getInputStream();
        TarArchiveInputStream in = new TarArchiveInputStream(raw);
        OutputStream file = Files.newOutputStream(gz);
        GZIPOutputStream zip = new GZIPOutputStream(new DigestOutputStream(file, gzSha), 1 << 16);
        TarArchiveOutputStream out =
            new TarArchiveOutputStream(new DigestOutputStream(zip, tarSha))) {
      out.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
      out.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
      out.setAddPaxHeadersForNonAsciiNames(true);
      for (TarArchiveEntry e; (e = in.getNextEntry()) != null; ) {
        String name = e.getName().replaceFirst("^\\./", "");
        if (name.isEmpty() || name.equals(".") || name.equals("./")) {
          continue; // the root itself: runtimes make it
        }
        if (e.isCharacterDevice() && e.getDevMajor() == 0 && e.getDevMinor() == 0) {
          String base = name.contains("/") ? name.substring(0, name.lastIndexOf('/') + 1) : "";
          String leaf = name.substring(base.length());
          out.putArchiveEntry(whiteout(base + ".wh." + leaf, e));
          out.closeArchiveEntry();
          continue;
        }
        boolean opaque = e.isDirectory() && "y".equals(e.getExtraPaxHeader(OPAQUE));
        TarArchiveEntry copy = e; // kept whole (modes, owners, times, xattrs, links), renamed
        copy.setName(e.isDirectory() && !name.endsWith("/") ? name + "/" : name);
        if (opaque) {
          var keep = new java.util.HashMap<>(copy.getExtraPaxHeaders());
          keep.remove(OPAQUE);
          copy.clearExtraPaxHeaders();
          keep.forEach(copy::addPaxHeader);
        }
        out.putArchiveEntry(copy);
        if (copy.isFile()) {
          in.transferTo(out);
        }
        out.closeArchiveEntry();
        if (opaque) {
          out.putArchiveEntry(whiteout(copy.getName() + ".wh..wh..opq", e));
          out.closeArchiveEntry();
        }
      }
      out.finish();
    } catch (IOException | RuntimeException e) {
      Files.deleteIfExists(gz);
      p.destroyForcibly();
      throw new ImageException(
          Reason.IO, image + ": converting the squashfs layer to tar: " + e.getMessage(), e);
    }
    try {
      if (p.waitFor() != 0) {
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        Files.deleteIfExists(gz);
        throw new ImageException(Reason.IO, image + ": sqfs2tar failed: " + err);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ImageException(Reason.IO, image + ": interrupted", e);
    }
    return new TarLayer(gz, Digest.of(tarSha), Digest.of(gzSha), Files.size(gz));
  }

  private static TarArchiveEntry whiteout(String name, TarArchiveEntry like) {
    TarArchiveEntry w = new TarArchiveEntry(name, true);
    w.setMode(0100600);
    w.setUserId(like.getLongUserId());
    w.setGroupId(like.getLongGroupId());
    w.setModTime(like.getModTime());
    w.setSize(0);
    return w;
  }
}
