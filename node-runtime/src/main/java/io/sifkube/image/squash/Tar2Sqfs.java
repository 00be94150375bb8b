package io.sifkube.image.squash;

import io.sifkube.image.ImageException;
import io.sifkube.image.ImageException.Reason;
import io.sifkube.squashfs.SquashfsCompression;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Streams a merged layer tar into squashfs-tools-ng's {@code tar2sqfs}, the converter SingularityCE
 * prefers, with gzip compression as SingularityCE asks for unless another compressor is chosen.
 * Nothing is unpacked to disk, so owners, devices and xattrs survive without root.
 */
public final class Tar2Sqfs {

  private static final int STDERR_TAIL = 2000;

  private final String tool;
  private final SquashfsCompression compression;

  public Tar2Sqfs(String tool, SquashfsCompression compression) {
    this.tool = tool;
    this.compression = compression;
  }

  /** tar2sqfs from PATH, writing gzip. */
  public static Tar2Sqfs fromPath() {
    return fromPath(SquashfsCompression.GZIP);
  }

  public static Tar2Sqfs fromPath(SquashfsCompression compression) {
    return new Tar2Sqfs("tar2sqfs", compression);
  }

  /** The compressor of the images this converter writes. */
  public SquashfsCompression compression() {
    return compression;
  }

  /** What writes the tar: gets the tool's standard input. */
  public interface TarProducer {
    void writeTo(OutputStream out) throws IOException;
  }

  /** Runs {@code producer} into tar2sqfs, which writes the squashfs image {@code out}. */
  public void convert(TarProducer producer, Path out, String image) throws IOException {
    // One compressor job per core: the output is the same whatever the job count.
    String jobs = Integer.toString(Runtime.getRuntime().availableProcessors());
    List<String> cmd = new ArrayList<>(List.of(tool, "--compressor", compression.toolName()));
    if (!compression.tar2sqfsOptions().isEmpty()) {
      cmd.addAll(List.of("--comp-extra", String.join(",", compression.tar2sqfsOptions())));
    }
    cmd.addAll(List.of("--num-jobs", jobs, "--quiet", "--force", "--no-skip", out.toString()));
    Process p;
    try {
      p = new ProcessBuilder(cmd).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    } catch (IOException e) {
      throw new ImageException(
          Reason.IO,
          image
              + ": cannot run "
              + tool
              + " (install the squashfs-tools-ng package): "
              + e.getMessage(),
          e);
    }
    CompletableFuture<byte[]> stderr =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                return p.getErrorStream().readAllBytes();
              } catch (IOException e) {
                return new byte[0];
              }
            });
    try (OutputStream in = new BufferedOutputStream(p.getOutputStream(), 1 << 16)) {
      producer.writeTo(in);
    } catch (IOException | RuntimeException e) {
      p.destroyForcibly();
      awaitQuietly(p);
      if (e instanceof ImageException) {
        throw e;
      }
      String why = tail(stderr.join());
      throw new ImageException(
          Reason.IO,
          image
              + ": squashing failed: "
              + e.getMessage()
              + (why.isEmpty() ? "" : " (" + tool + ": " + why + ")"),
          e);
    }
    int status;
    try {
      if (!p.waitFor(2, TimeUnit.HOURS)) {
        p.destroyForcibly();
        throw new ImageException(Reason.IO, image + ": " + tool + " did not finish in two hours");
      }
      status = p.exitValue();
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new ImageException(Reason.IO, image + ": interrupted while squashing", e);
    }
    if (status != 0) {
      throw new ImageException(
          Reason.IO,
          image + ": " + tool + " failed (exit status " + status + "): " + tail(stderr.join()));
    }
  }

  private static void awaitQuietly(Process p) {
    try {
      p.waitFor(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static String tail(byte[] err) {
    String t = new String(err, StandardCharsets.UTF_8).strip();
    return t.length() > STDERR_TAIL ? "…" + t.substring(t.length() - STDERR_TAIL) : t;
  }
}
