package io.sifkube.image.pull;

import io.sifkube.image.ImageException;
import io.sifkube.image.ImageException.Reason;
import io.sifkube.image.oci.Descriptor;
import io.sifkube.image.squash.LayerInput;
import io.sifkube.image.store.ImageCache;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;

/**
 * Downloads an image's layers into the cache, several at once (as containerd does, three), while
 * the merger reads them: a layer's bytes are handed on as soon as they are on disk, so download,
 * decompression and squashing overlap instead of running one after the other. Nothing read early is
 * trusted early: the squashfs made from it is kept only when every download verified, and a
 * download that fails makes the reader's stream fail with the download's own error.
 */
final class LayerDownloads implements AutoCloseable {

  /** At most this many blobs are fetched at once, as containerd's default. */
  static final int PARALLEL = 3;

  private final ExecutorService pool;
  private final List<Download> downloads = new ArrayList<>();

  /**
   * Starts fetching {@code layers} (bottom first, as in the manifest) with {@code fetch}, which
   * stores one blob in the cache, reporting its progress to the tap it is given, {@code parallel}
   * at a time. Layers are started from the top, the order in which the merger reads them.
   */
  LayerDownloads(
      List<Descriptor> layers,
      ImageCache cache,
      int parallel,
      Fetcher fetch,
      Predicate<Descriptor> cached) {
    pool =
        Executors.newFixedThreadPool(
            Math.max(1, Math.min(parallel, layers.size())),
            r -> {
              Thread t = new Thread(r, "layer-download");
              t.setDaemon(true);
              return t;
            });
    for (Descriptor d : layers) {
      downloads.add(new Download(cache.blobPath(d.digest())));
    }
    for (int i = layers.size() - 1; i >= 0; i--) {
      Descriptor d = layers.get(i);
      Download dl = downloads.get(i);
      if (cached.test(d)) {
        dl.finished();
        continue;
      }
      pool.execute(
          () -> {
            try {
              fetch.fetch(d, dl);
              dl.finished();
            } catch (IOException | RuntimeException e) {
              dl.failed(e);
            }
          });
    }
    pool.shutdown();
  }

  /** Stores one blob, telling {@code tap} where its bytes go. */
  interface Fetcher {
    void fetch(Descriptor d, ImageCache.Tap tap) throws IOException;
  }

  /** The layer {@code i} for the merger: readable at once, whether or not it is complete. */
  LayerInput.Blob blob(int i) {
    return downloads.get(i)::open;
  }

  /**
   * After the merge failed: the error of a download that failed, which is the cause to report (a
   * corrupt blob first shows up as a bad gzip or tar stream in the merger). Downloads still running
   * are allowed to finish, since a mismatch is only known at the end of the blob.
   */
  IOException downloadFailure() throws InterruptedIOException {
    awaitAll();
    for (Download d : downloads) {
      Throwable f = d.failure();
      if (f instanceof IOException e) {
        return e;
      }
      if (f instanceof RuntimeException e) {
        return new ImageException(Reason.IO, e.toString(), e);
      }
    }
    return null;
  }

  /** Every download ended; true when each verified. */
  void awaitAll() throws InterruptedIOException {
    try {
      while (!pool.awaitTermination(1, TimeUnit.MINUTES)) {
        // a slow registry: the download's own timeouts end it
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while waiting for layer downloads");
    }
  }

  /** Stops downloads still running and waits for them to remove their temporary files. */
  @Override
  public void close() throws IOException {
    pool.shutdownNow();
    awaitAll();
  }

  /** One blob on its way into the cache, readable while it grows. */
  static final class Download implements ImageCache.Tap {
    private final Path blob;
    private Path partial;
    private long written;
    private boolean done;
    private Throwable failure;

    Download(Path blob) {
      this.blob = blob;
    }

    @Override
    public synchronized void opened(Path tmp) {
      partial = tmp;
      notifyAll();
    }

    @Override
    public synchronized void written(long total) {
      written = total;
      notifyAll();
    }

    synchronized void finished() {
      done = true;
      notifyAll();
    }

    synchronized void failed(Throwable t) {
      failure = t;
      notifyAll();
    }

    synchronized Throwable failure() {
      return failure;
    }

    InputStream open() throws IOException {
      Path from;
      synchronized (this) {
        waitWhile(() -> partial == null && !done);
        from = done ? blob : partial;
      }
      FileChannel ch;
      try {
        ch = FileChannel.open(from);
      } catch (NoSuchFileException e) {
        // Finished (renamed into the cache) or failed (removed) between the two steps.
        synchronized (this) {
          waitWhile(() -> !done);
        }
        ch = FileChannel.open(blob);
      }
      return new Follower(ch);
    }

    private void waitWhile(BooleanSupplier cond) throws IOException {
      while (cond.getAsBoolean()) {
        if (failure != null) {
          throw rethrow(failure);
        }
        try {
          wait();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new InterruptedIOException("interrupted while waiting for a layer download");
        }
      }
      if (failure != null) {
        throw rethrow(failure);
      }
    }

    private static IOException rethrow(Throwable f) {
      return f instanceof IOException e ? e : new IOException(f.toString(), f);
    }

    /** Reads the file up to what the download has written, waiting for more until it is done. */
    private final class Follower extends InputStream {
      private final FileChannel ch;
      private long pos;

      Follower(FileChannel ch) {
        this.ch = ch;
      }

      @Override
      public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
      }

      @Override
      public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
          return 0;
        }
        long limit;
        synchronized (Download.this) {
          waitWhile(() -> pos >= written && !done);
          limit = done ? Long.MAX_VALUE : written;
        }
        int want = (int) Math.min(len, limit - pos);
        int n = ch.read(ByteBuffer.wrap(b, off, want), pos);
        if (n > 0) {
          pos += n;
        }
        return n;
      }

      @Override
      public void close() throws IOException {
        ch.close();
      }
    }
  }
}
