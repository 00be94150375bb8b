package io.sifkube.image.store;

import io.sifkube.files.Durable;
import io.sifkube.image.ImageException;
import io.sifkube.image.ImageException.Reason;
import io.sifkube.image.oci.Digest;
import io.sifkube.squashfs.SquashfsCompression;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Stream;

/**
 * The content-addressed cache: {@code blobs/sha256/<hex>} holds verified blobs, {@code
 * oci-sif/sha256/<hex>.oci.sif} one OCI-SIF per manifest digest. Entries appear only by rename
 * after their content was verified and synced, so a crash leaves at most a stray file in {@code
 * tmp/}, which nothing trusts and {@link #clean} removes. Work on one digest is serialised across
 * threads and processes with {@link #lock}.
 */
public final class ImageCache {

  private static final ConcurrentHashMap<Path, ReentrantLock> JVM_LOCKS = new ConcurrentHashMap<>();

  private final Path root;

  public ImageCache(Path root) {
    this.root = root.toAbsolutePath().normalize();
  }

  /** {@code --cache-dir}, else {@code $SIFKUBE_CACHEDIR}, else {@code ~/.cache/sifkube}. */
  public static Path defaultRoot() {
    String env = System.getenv("SIFKUBE_CACHEDIR");
    if (env != null && !env.isEmpty()) {
      return Path.of(env);
    }
    return Path.of(System.getProperty("user.home"), ".cache", "sifkube");
  }

  public Path root() {
    return root;
  }

  public Path blobPath(Digest d) {
    return root.resolve("blobs").resolve(d.algorithm()).resolve(d.hex());
  }

  /** The gzip OCI-SIF of {@code manifest}: what SingularityCE and siflet keep. */
  public Path sifPath(Digest manifest) {
    return sifPath(manifest, SquashfsCompression.GZIP);
  }

  /**
   * The OCI-SIF of {@code manifest} squashed with {@code compression}: one image in two compressors
   * is two files, so a pull asking for one never gets the other.
   */
  public Path sifPath(Digest manifest, SquashfsCompression compression) {
    return root.resolve("oci-sif")
        .resolve(manifest.algorithm())
        .resolve(manifest.hex() + compression.cacheSuffix() + ".oci.sif");
  }

  public boolean hasBlob(Digest d) {
    return Files.isRegularFile(blobPath(d));
  }

  /** A new, empty file under {@code tmp/} on the cache's file system. */
  public Path tempFile(String suffix) throws IOException {
    Path tmp = Files.createDirectories(root.resolve("tmp"));
    return Files.createTempFile(tmp, "part-", suffix);
  }

  /**
   * Stores the bytes of {@code in} as blob {@code expected}: written to a temp file, hashed on the
   * way, compared with the digest it was asked for, synced, then renamed into place.
   *
   * @param what names the blob and its image in errors
   */
  public Path putBlob(Digest expected, long expectedSize, InputStream in, String what)
      throws IOException {
    return putBlob(expected, expectedSize, in, what, Tap.NONE);
  }

  /** Watches a blob being written, so that a reader can follow it before it is verified. */
  public interface Tap {
    Tap NONE = new Tap() {};

    /** The blob is being written to {@code tmp}, which exists now. */
    default void opened(Path tmp) {}

    /** The first {@code total} bytes are in {@code tmp}. */
    default void written(long total) {}
  }

  /**
   * {@link #putBlob(Digest, long, InputStream, String)}, telling {@code tap} where the bytes go as
   * they arrive. What a tap reader sees is unverified until this method returns.
   */
  public Path putBlob(Digest expected, long expectedSize, InputStream in, String what, Tap tap)
      throws IOException {
    Path tmp = tempFile(".blob");
    try {
      MessageDigest md = Digest.newSha256();
      long n = 0;
      tap.opened(tmp);
      try (OutputStream out =
          new DigestOutputStream(Files.newOutputStream(tmp, StandardOpenOption.WRITE), md)) {
        byte[] buf = new byte[1 << 16];
        int r;
        while ((r = in.read(buf)) >= 0) {
          out.write(buf, 0, r);
          n += r;
          tap.written(n);
        }
      }
      Digest actual = Digest.of(md);
      if (expectedSize >= 0 && n != expectedSize) {
        throw new ImageException(
            Reason.DIGEST_MISMATCH,
            what
                + ": got "
                + n
                + " bytes, expected "
                + expectedSize
                + " (truncated or padded blob)");
      }
      if (!actual.equals(expected)) {
        throw new ImageException(
            Reason.DIGEST_MISMATCH,
            what + ": digest mismatch: expected " + expected + ", got " + actual);
      }
      return commit(tmp, blobPath(expected));
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  /** Moves a finished file into place at {@code dest}: sync, rename, sync the directory. */
  public Path commit(Path tmp, Path dest) throws IOException {
    return Durable.commit(tmp, dest);
  }

  /** Holds the cache's lock for {@code digest}, in this JVM and against other processes. */
  public Lock lock(Digest digest) throws IOException {
    Path file = Files.createDirectories(root.resolve("locks")).resolve(digest.hex() + ".lock");
    ReentrantLock jvm = JVM_LOCKS.computeIfAbsent(file, f -> new ReentrantLock());
    jvm.lock();
    try {
      FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
      try {
        return new Lock(jvm, ch, ch.lock());
      } catch (IOException e) {
        ch.close();
        throw e;
      }
    } catch (IOException | RuntimeException e) {
      jvm.unlock();
      throw e;
    }
  }

  /** A held cache lock. */
  public static final class Lock implements AutoCloseable {
    private final ReentrantLock jvm;
    private final FileChannel channel;
    private final FileLock fileLock;

    Lock(ReentrantLock jvm, FileChannel channel, FileLock fileLock) {
      this.jvm = jvm;
      this.channel = channel;
      this.fileLock = fileLock;
    }

    @Override
    public void close() throws IOException {
      try {
        fileLock.release();
        channel.close();
      } finally {
        jvm.unlock();
      }
    }
  }

  /** A cached OCI-SIF: its manifest digest, file, size and the compressor it was squashed with. */
  public record Entry(Digest manifest, Path file, long size, SquashfsCompression compression) {}

  /** The cached OCI-SIF images. */
  public List<Entry> list() throws IOException {
    Path dir = root.resolve("oci-sif").resolve("sha256");
    List<Entry> out = new ArrayList<>();
    if (!Files.isDirectory(dir)) {
      return out;
    }
    try (Stream<Path> s = Files.list(dir)) {
      for (Path p : s.sorted().toList()) {
        String name = p.getFileName().toString();
        if (name.endsWith(".oci.sif")) {
          String stem = name.substring(0, name.length() - ".oci.sif".length());
          int dot = stem.indexOf('.');
          try {
            SquashfsCompression c =
                dot < 0
                    ? SquashfsCompression.GZIP
                    : SquashfsCompression.parse(stem.substring(dot + 1));
            Digest d = new Digest("sha256", dot < 0 ? stem : stem.substring(0, dot));
            if (c != SquashfsCompression.GZIP || dot < 0) {
              out.add(new Entry(d, p, Files.size(p), c));
            }
          } catch (IllegalArgumentException ignored) {
            // not ours: the cache only ever names files by a valid digest and compressor
          }
        }
      }
    }
    return out;
  }

  /** Removes every blob, image and temporary file; returns the bytes freed. */
  public long clean() throws IOException {
    long freed = 0;
    for (String sub : List.of("blobs", "oci-sif", "tmp")) {
      Path dir = root.resolve(sub);
      if (!Files.exists(dir)) {
        continue;
      }
      try (Stream<Path> s = Files.walk(dir)) {
        for (Path p : s.sorted((a, b) -> b.getNameCount() - a.getNameCount()).toList()) {
          if (Files.isRegularFile(p)) {
            freed += Files.size(p);
          }
          Files.delete(p);
        }
      }
    }
    return freed;
  }
}
