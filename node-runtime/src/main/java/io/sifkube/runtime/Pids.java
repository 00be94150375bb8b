package io.sifkube.runtime;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Process ids and run ids through {@code /proc}, for the one-shot path of {@code sifctl run}.
 *
 * <p>Why not {@code ProcessHandle} and {@code UUID.randomUUID()}: the first starts the JDK's
 * process-reaper executor and the second loads the security providers for a {@code SecureRandom},
 * together some 15 ms of a {@code sifctl exec} (measured with {@code -Xlog:class+init}) for a pid
 * and a directory name. Neither value needs more: a run id is unique because its directory is
 * created exclusively, not because it is unguessable, and the state directory is the caller's own.
 */
final class Pids {

  private Pids() {}

  /** This process's id, as the kernel's {@code /proc/self} link names it. */
  static long self() {
    try {
      return Long.parseLong(Files.readSymbolicLink(Path.of("/proc/self")).toString());
    } catch (IOException e) {
      throw new UncheckedIOException("reading /proc/self", e);
    }
  }

  /** Whether process {@code pid} exists (a zombie counts, as it does for {@code ProcessHandle}). */
  static boolean alive(long pid) {
    return pid > 0 && Files.exists(Path.of("/proc/" + pid));
  }

  /** A fresh run id: {@code prefix} and 32 random hex digits. */
  static String newId(String prefix) {
    ThreadLocalRandom r = ThreadLocalRandom.current();
    HexFormat hex = HexFormat.of();
    return prefix + hex.toHexDigits(r.nextLong()) + hex.toHexDigits(r.nextLong());
  }
}
