package io.sifkube.sif;

import io.sifkube.sif.SifException.Reason;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;

/**
 * A SIF file opened read-only. Loading reads and validates only the header and descriptor table;
 * object data is read on demand, by ID, with positional reads that touch nothing else.
 */
public final class SifFile implements AutoCloseable {

  private final Path path;
  private final FileChannel channel;
  private final SifHeader header;
  private final List<SifDescriptor> objects;

  private SifFile(Path path, FileChannel channel, SifLoader.Contents contents) {
    this.path = path;
    this.channel = channel;
    this.header = contents.header();
    this.objects = contents.slots().stream().filter(SifDescriptor::used).toList();
  }

  /** Opens and validates {@code path}. */
  public static SifFile open(Path path) throws SifException {
    FileChannel ch;
    try {
      ch = FileChannel.open(path, StandardOpenOption.READ);
    } catch (IOException e) {
      throw SifException.io(path, "cannot open", e);
    }
    try {
      return new SifFile(path, ch, SifLoader.load(path, ch));
    } catch (SifException e) {
      closeQuietly(ch);
      throw e;
    }
  }

  public Path path() {
    return path;
  }

  public SifHeader header() {
    return header;
  }

  /** The used descriptors, in table order. */
  public List<SifDescriptor> descriptors() {
    return objects;
  }

  /** The descriptor with {@code id}. */
  public SifDescriptor descriptor(int id) throws SifException {
    for (SifDescriptor d : objects) {
      if (d.id() == id) {
        return d;
      }
    }
    throw new SifException(
        path, Reason.NOT_FOUND, "no object with ID " + Integer.toUnsignedString(id));
  }

  /** A stream over the data of object {@code id}; it reads only that object's bytes. */
  public InputStream openObject(int id) throws SifException {
    SifDescriptor d = descriptor(id);
    return new RegionInputStream(path, channel, d.offset(), d.size());
  }

  /**
   * Reads a whole object into memory, refusing objects above {@code maxBytes} so that a forged size
   * cannot make us allocate more than the caller budgeted.
   */
  public byte[] readObject(SifDescriptor d, int maxBytes) throws SifException {
    if (d.size() > maxBytes) {
      throw new SifException(
          path,
          Reason.INVALID_ARGUMENT,
          "object "
              + Integer.toUnsignedString(d.id())
              + " is "
              + d.size()
              + " bytes, more than the "
              + maxBytes
              + " allowed here");
    }
    try {
      return SifLoader.readFully(path, channel, d.offset(), (int) d.size()).array();
    } catch (IOException e) {
      throw SifException.io(path, "reading object " + d.id(), e);
    }
  }

  /** Copies object {@code id} to {@code out}, in constant memory. */
  public void copyObject(int id, OutputStream out) throws SifException {
    SifDescriptor d = descriptor(id);
    try {
      long at = d.offset();
      long left = d.size();
      var sink = Channels.newChannel(out);
      while (left > 0) {
        long n = channel.transferTo(at, left, sink);
        if (n <= 0) {
          throw new SifException(path, Reason.TRUNCATED, "object " + id + " is cut short");
        }
        at += n;
        left -= n;
      }
      out.flush();
    } catch (IOException e) {
      throw SifException.io(path, "copying object " + id, e);
    }
  }

  @Override
  public void close() {
    closeQuietly(channel);
  }

  private static void closeQuietly(FileChannel ch) {
    try {
      ch.close();
    } catch (IOException ignored) {
      // read-only channel: nothing was written that a failed close could lose
    }
  }

  /** An input stream over one region of a file channel, using positional reads. */
  private static final class RegionInputStream extends InputStream {
    private final Path path;
    private final FileChannel ch;
    private long at;
    private long left;

    RegionInputStream(Path path, FileChannel ch, long at, long size) {
      this.path = path;
      this.ch = ch;
      this.at = at;
      this.left = size;
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (left == 0) {
        return -1;
      }
      int want = (int) Math.min(len, left);
      int n = ch.read(ByteBuffer.wrap(b, off, want), at);
      if (n < 0) {
        throw new SifException(path, Reason.TRUNCATED, "object data ends early at offset " + at);
      }
      at += n;
      left -= n;
      return n;
    }

    @Override
    public long skip(long n) {
      long k = Math.max(0, Math.min(n, left));
      at += k;
      left -= k;
      return k;
    }

    @Override
    public int available() {
      return (int) Math.min(Integer.MAX_VALUE, left);
    }
  }
}
