package io.sifkube.squashfs;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Makes a squashfs image from a directory with squashfs-tools' {@code mksquashfs}, the tool
 * SingularityCE uses for the same job. Ownership, modes, xattrs and mtimes are kept as they are on
 * disk; the superblock time is fixed so that the same tree gives the same image.
 */
public final class SquashfsBuilder {

  private static final int STDERR_TAIL = 2000;
  private final String mksquashfs;

  public SquashfsBuilder(String mksquashfs) {
    this.mksquashfs = mksquashfs;
  }

  /** Uses {@code mksquashfs} from PATH. */
  public static SquashfsBuilder fromPath() {
    return new SquashfsBuilder("mksquashfs");
  }

  /** Writes a gzip-compressed squashfs of {@code dir} to {@code out}, replacing it. */
  public void fromDirectory(Path dir, Path out) throws IOException {
    fromDirectory(dir, out, SquashfsCompression.GZIP);
  }

  /** Writes a squashfs of {@code dir} compressed with {@code compression} to {@code out}. */
  public void fromDirectory(Path dir, Path out, SquashfsCompression compression)
      throws IOException {
    if (!Files.isDirectory(dir)) {
      throw new IOException(dir + ": not a directory");
    }
    List<String> cmd = new ArrayList<>();
    cmd.addAll(
        List.of(
            mksquashfs,
            dir.toString(),
            out.toString(),
            "-noappend",
            "-comp",
            compression.toolName(),
            "-mkfs-time",
            "0",
            "-no-progress",
            "-quiet"));
    cmd.addAll(compression.mksquashfsOptions());
    Process p;
    try {
      p = new ProcessBuilder(cmd).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    } catch (IOException e) {
      throw new IOException(
          "cannot run " + mksquashfs + " (install the squashfs-tools package): " + e.getMessage(),
          e);
    }
    byte[] err = p.getErrorStream().readAllBytes();
    int status;
    try {
      if (!p.waitFor(1, TimeUnit.HOURS)) {
        p.destroyForcibly();
        throw new IOException(mksquashfs + " did not finish within an hour on " + dir);
      }
      status = p.exitValue();
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while making a squashfs of " + dir, e);
    }
    if (status != 0) {
      String text = new String(err, StandardCharsets.UTF_8).strip();
      if (text.length() > STDERR_TAIL) {
        text = "…" + text.substring(text.length() - STDERR_TAIL);
      }
      throw new IOException(
          mksquashfs + " failed on " + dir + " (exit status " + status + "): " + text);
    }
  }
}
