package io.sifkube.files;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * The one way Sifkube puts a file in place so that a crash or a power loss leaves the old file or
 * the new one, whole, and a file reported written stays written: write to a temporary file beside
 * it, {@code fsync} it, rename it over the destination, then {@code fsync} the directory — without
 * that last step the rename itself may not survive a power loss (ext4, xfs). Records, image cache
 * entries and SIF files all go through here.
 */
public final class Durable {

  private Durable() {}

  /** Writes {@code data} to {@code file} durably, replacing what was there. */
  public static void write(Path file, byte[] data) throws IOException {
    Files.createDirectories(file.getParent());
    Path tmp = Files.createTempFile(file.getParent(), "." + file.getFileName(), ".tmp");
    try {
      try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
        ByteBuffer b = ByteBuffer.wrap(data);
        while (b.hasRemaining()) {
          ch.write(b);
        }
      }
      commit(tmp, file);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  /**
   * Moves the finished file {@code tmp} to {@code dest} durably: sync it, rename it atomically,
   * sync the directory.
   *
   * @throws IOException also when the two are on file systems a rename cannot cross
   */
  public static Path commit(Path tmp, Path dest) throws IOException {
    try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
      ch.force(true);
    }
    Files.createDirectories(dest.toAbsolutePath().getParent());
    try {
      Files.move(tmp, dest, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      throw new IOException("cannot rename " + tmp + " into place atomically", e);
    }
    syncDirectory(dest.toAbsolutePath().getParent());
    return dest;
  }

  /** Makes the entries of {@code dir} durable (a rename into it, a file removed from it). */
  public static void syncDirectory(Path dir) throws IOException {
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    }
  }
}
