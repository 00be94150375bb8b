package io.sifkube.sif;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.security.MessageDigest;
import java.util.HexFormat;

/**
 * Computes the SHA-256 of an object while it is being written, on a second thread that reads the
 * bytes back from the file (the page cache) just behind the writer. Hashing then overlaps the copy
 * and its fsync instead of adding to them, and the digest describes the bytes actually stored, not
 * what a source claimed to hold.
 */
final class TrailingDigest {

  private static final int BUFFER = 1 << 20;

  private final FileChannel file;
  private final long start;
  private final MessageDigest sha = SifWriter.sha256();
  private final Thread thread;
  private long available;
  private boolean finished;
  private IOException failure;

  TrailingDigest(FileChannel file, long start) {
    this.file = file;
    this.start = start;
    this.available = start;
    this.thread = new Thread(this::run, "sif-digest");
    thread.setDaemon(true);
    thread.start();
  }

  /** Bytes up to file offset {@code end} are written and may be hashed. */
  synchronized void advance(long end) {
    available = end;
    notifyAll();
  }

  /** Waits until every byte up to {@code end} is hashed; returns {@code sha256:<hex>}. */
  String finish(long end) throws IOException {
    synchronized (this) {
      available = end;
      finished = true;
      notifyAll();
    }
    try {
      thread.join();
    } catch (InterruptedException e) {
      thread.interrupt();
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while hashing object data", e);
    }
    if (failure != null) {
      throw failure;
    }
    return "sha256:" + HexFormat.of().formatHex(sha.digest());
  }

  /** Stops hashing after a failed write; the digest is discarded. */
  void abandon() {
    synchronized (this) {
      finished = true;
      available = -1;
      notifyAll();
    }
    try {
      thread.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void run() {
    byte[] buf = new byte[BUFFER];
    long at = start;
    try {
      while (true) {
        long limit;
        synchronized (this) {
          while (available <= at && !finished) {
            wait();
          }
          limit = available;
          if (limit < 0 || (finished && limit <= at)) {
            return;
          }
        }
        while (at < limit) {
          int want = (int) Math.min(buf.length, limit - at);
          int n = file.read(ByteBuffer.wrap(buf, 0, want), at);
          if (n <= 0) {
            throw new IOException("object data vanished at offset " + at + " while hashing");
          }
          sha.update(buf, 0, n);
          at += n;
        }
      }
    } catch (IOException e) {
      failure = e;
    } catch (InterruptedException e) {
      failure = new IOException("interrupted while hashing object data", e);
    }
  }
}
