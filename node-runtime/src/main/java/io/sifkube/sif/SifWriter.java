package io.sifkube.sif;

import io.sifkube.sif.SifException.Reason;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.LongConsumer;

/**
 * Creates and modifies SIF files the way the reference library does: new data goes at {@code
 * DataOffset + DataSize}, into the first free slot, with ID = slot + 1; partitions are aligned to
 * 4096 and everything else is packed. Writes are ordered data → descriptors → header so that a
 * crash part-way leaves the previous, valid file (plus unreferenced bytes at its end).
 */
public final class SifWriter implements AutoCloseable {

  private static final int COPY_BUFFER = 1 << 20;
  private static final long FILE_CHUNK = 64L << 20;

  private final Path path;
  private final FileChannel channel;
  private final List<SifDescriptor> slots;
  private SifHeader header;
  private Long fixedTime;

  private SifWriter(Path path, FileChannel channel, SifHeader header, List<SifDescriptor> slots) {
    this.path = path;
    this.channel = channel;
    this.header = header;
    this.slots = new ArrayList<>(slots);
  }

  /** Creates (or truncates) {@code path} as an empty SIF with the given options. */
  public static SifWriter create(Path path, CreateOptions opts) throws SifException {
    FileChannel ch = openChannel(path, true);
    long tableSize = (long) opts.capacity() * SifDescriptor.SIZE;
    ByteBuffer uuid = ByteBuffer.allocate(16);
    uuid.putLong(opts.id().getMostSignificantBits()).putLong(opts.id().getLeastSignificantBits());
    SifHeader h =
        new SifHeader(
            Text.fixed(opts.launchScript(), SifHeader.LAUNCH_SCRIPT_LEN),
            SifHeader.MAGIC.clone(),
            SifHeader.VERSION.clone(),
            Text.fixed("00", 3),
            uuid.array(),
            opts.time(),
            opts.time(),
            opts.capacity(),
            opts.capacity(),
            SifHeader.DEFAULT_DESCRIPTORS_OFFSET,
            tableSize,
            SifHeader.DEFAULT_DESCRIPTORS_OFFSET + tableSize,
            0);
    var w = new SifWriter(path, ch, h, nCopies(opts.capacity()));
    try {
      // The reference writes the whole table up front, so bytes 128..4095 and every unused
      // slot are explicit zeros.
      ch.truncate(0);
      ch.write(ByteBuffer.allocate((int) SifHeader.DEFAULT_DESCRIPTORS_OFFSET), 0);
      w.writeTable();
      w.writeHeader();
      return w;
    } catch (IOException e) {
      w.close();
      throw SifException.io(path, "creating SIF", e);
    }
  }

  /** Opens an existing, valid SIF for modification. */
  public static SifWriter open(Path path) throws SifException {
    FileChannel ch = openChannel(path, false);
    try {
      SifLoader.Contents c = SifLoader.load(path, ch);
      return new SifWriter(path, ch, c.header(), c.slots());
    } catch (SifException e) {
      try {
        ch.close();
      } catch (IOException ignored) {
        // nothing written yet
      }
      throw e;
    }
  }

  /** Uses {@code unixSeconds} for every timestamp this writer sets, instead of the clock. */
  public SifWriter withTime(long unixSeconds) {
    this.fixedTime = unixSeconds;
    return this;
  }

  public SifHeader header() {
    return header;
  }

  /** The used descriptors, in table order. */
  public List<SifDescriptor> descriptors() {
    return slots.stream().filter(SifDescriptor::used).toList();
  }

  /**
   * Streams {@code data} into a new object and records it. Memory use is one copy buffer whatever
   * the object's size. For the OCI types, the SHA-256 of the stored bytes is computed on a second
   * thread as they are written, and stored in the descriptor as {@code sha256:<hex>}.
   *
   * @return the new descriptor, and the digest for OCI types
   */
  public Added add(ObjectInput in, InputStream data) throws SifException {
    return add(in, (offset, digest) -> copyStream(data, offset, digest));
  }

  /**
   * Adds the contents of file {@code source} as a new object, like {@link #add(ObjectInput,
   * InputStream)}, but lets the kernel copy the bytes (no trip through the Java heap).
   */
  public Added add(ObjectInput in, Path source) throws SifException {
    FileChannel src;
    try {
      src = FileChannel.open(source, StandardOpenOption.READ);
    } catch (IOException e) {
      throw SifException.io(path, "cannot read " + source, e);
    }
    try (src) {
      return add(in, (offset, digest) -> copyFile(src, offset, digest));
    } catch (IOException e) {
      throw SifException.io(path, "reading " + source, e);
    }
  }

  /** Copies an object's bytes to {@code offset}, reporting each file offset written up to. */
  private interface Copier {
    long copy(long offset, LongConsumer written) throws IOException;
  }

  private Added add(ObjectInput in, Copier copier) throws SifException {
    int slot = firstFreeSlot();
    byte[] name = encodeName(in.name());
    String arch = null;
    if (in.dataType() == SifCodes.DATA_PARTITION) {
      var part = SifDescriptor.Partition.decode(in.extra());
      if (part.partType() == SifCodes.PART_PRIMARY_SYSTEM) {
        if (findPrimary() >= 0) {
          throw new SifException(
              path, Reason.INVALID_ARGUMENT, "image already contains a primary partition");
        }
        arch = part.archCode();
      }
    }
    long unaligned = header.dataOffset() + header.dataSize();
    long offset = align(unaligned, in.alignment());
    long n;
    String digest = null;
    long sizeBefore = -1;
    TrailingDigest hasher = null;
    try {
      sizeBefore = channel.size();
      // Only OCI objects record a digest; hashing costs more CPU than the copy itself.
      hasher = in.storesDigest() ? new TrailingDigest(channel, offset) : null;
      n = copier.copy(offset, hasher != null ? hasher::advance : end -> {});
      if (hasher != null) {
        digest = hasher.finish(offset + n);
      }
      if (n == 0 && channel.size() < offset) {
        // An empty object still has to lie inside the file for the loader's bounds check.
        channel.write(ByteBuffer.allocate(1), offset - 1);
      }
    } catch (IOException e) {
      if (hasher != null) {
        hasher.abandon();
      }
      dropTail(sizeBefore);
      throw SifException.io(path, "writing object data", e);
    }
    byte[] extra = digest != null ? Text.fixed(digest, SifDescriptor.EXTRA_LEN) : in.extra();
    long t = now();
    var d =
        new SifDescriptor(
            in.dataType(),
            true,
            slot + 1,
            in.groupId() | SifDescriptor.GROUP_MASK,
            in.linkedId() | (in.linkIsGroup() ? SifDescriptor.GROUP_MASK : 0),
            offset,
            n,
            offset - unaligned + n,
            t,
            t,
            0,
            0,
            name,
            extra);
    slots.set(slot, d);
    if (arch != null) {
      header = header.withArch(arch);
    }
    header =
        header.withChange(t, header.descriptorsFree() - 1, header.dataSize() + d.sizeWithPadding());
    commit();
    return new Added(d, Optional.ofNullable(digest));
  }

  /**
   * A descriptor just written.
   *
   * @param descriptor the new descriptor
   * @param digest {@code sha256:<hex>} of the stored data, for OCI types
   */
  public record Added(SifDescriptor descriptor, Optional<String> digest) {}

  /**
   * Deletes object {@code id}. With {@code zero} its bytes are overwritten with zeros; with {@code
   * compact} the file is cut back, which (as in the reference) is only possible for the last
   * object.
   */
  public void delete(int id, boolean zero, boolean compact) throws SifException {
    int slot = slotOf(id);
    SifDescriptor d = slots.get(slot);
    if (compact && !isLast(d)) {
      throw new SifException(
          path,
          Reason.INVALID_ARGUMENT,
          "cannot compact after deleting object " + id + ": it is not the last object in the file");
    }
    try {
      if (zero) {
        zeroRegion(d.offset(), d.size());
      }
      if (d.partition().map(p -> p.partType() == SifCodes.PART_PRIMARY_SYSTEM).orElse(false)) {
        header = header.withArch("00");
      }
      slots.set(slot, SifDescriptor.EMPTY);
      long dataSize = compact ? header.dataSize() - d.sizeWithPadding() : header.dataSize();
      header = header.withChange(now(), header.descriptorsFree() + 1, dataSize);
      commit();
      if (compact) {
        channel.truncate(d.end() - d.sizeWithPadding());
        channel.force(true);
      }
    } catch (IOException e) {
      throw SifException.io(path, "deleting object " + id, e);
    }
  }

  /**
   * Makes system partition {@code id} the primary one, demoting the previous primary partition to a
   * system partition, and sets the header architecture from it.
   */
  public void setPrimaryPartition(int id) throws SifException {
    int slot = slotOf(id);
    SifDescriptor d = slots.get(slot);
    var part =
        d.partition()
            .orElseThrow(
                () ->
                    new SifException(
                        path, Reason.INVALID_ARGUMENT, "object " + id + " is not a partition"));
    if (part.partType() == SifCodes.PART_PRIMARY_SYSTEM) {
      return;
    }
    if (part.partType() != SifCodes.PART_SYSTEM) {
      throw new SifException(
          path, Reason.INVALID_ARGUMENT, "object " + id + " is not a system partition");
    }
    long t = now();
    int old = findPrimary();
    if (old >= 0) {
      SifDescriptor prev = slots.get(old);
      var p = prev.partition().orElseThrow();
      var demoted = new SifDescriptor.Partition(p.fsType(), SifCodes.PART_SYSTEM, p.archCode());
      slots.set(old, prev.withExtra(demoted.encode(), t));
    }
    var promoted =
        new SifDescriptor.Partition(part.fsType(), SifCodes.PART_PRIMARY_SYSTEM, part.archCode());
    slots.set(slot, d.withExtra(promoted.encode(), t));
    header =
        header.withArch(part.archCode()).withChange(t, header.descriptorsFree(), header.dataSize());
    commit();
  }

  /** Flushes everything to disk and closes the file. */
  @Override
  public void close() throws SifException {
    try {
      if (channel.isOpen()) {
        channel.force(true);
        channel.close();
      }
    } catch (IOException e) {
      throw SifException.io(path, "closing", e);
    }
  }

  private long copyStream(InputStream data, long offset, LongConsumer written) throws IOException {
    byte[] buf = new byte[COPY_BUFFER];
    long at = offset;
    int r;
    while ((r = data.readNBytes(buf, 0, buf.length)) > 0) {
      ByteBuffer b = ByteBuffer.wrap(buf, 0, r);
      while (b.hasRemaining()) {
        at += channel.write(b, at);
      }
      written.accept(at);
    }
    return at - offset;
  }

  private long copyFile(FileChannel src, long offset, LongConsumer written) throws IOException {
    // transferTo writes at the target's position; nothing else here uses that position.
    channel.position(offset);
    long copied = 0;
    long n;
    while ((n = src.transferTo(copied, FILE_CHUNK, channel)) > 0) {
      copied += n;
      written.accept(offset + copied);
    }
    return copied;
  }

  /** After a failed copy, cuts off the partial data so the file is as it was. */
  private void dropTail(long size) {
    try {
      if (size >= 0 && channel.size() > size) {
        channel.truncate(size);
      }
    } catch (IOException ignored) {
      // the bytes past DataSize are unreferenced either way; the header was not touched
    }
  }

  private void zeroRegion(long offset, long size) throws IOException {
    ByteBuffer zeros = ByteBuffer.allocate((int) Math.min(COPY_BUFFER, Math.max(size, 1)));
    long at = offset;
    long end = offset + size;
    while (at < end) {
      zeros.clear().limit((int) Math.min(zeros.capacity(), end - at));
      while (zeros.hasRemaining()) {
        at += channel.write(zeros, at);
      }
    }
  }

  private void commit() throws SifException {
    try {
      // Data first, then the table that points at it, then the header that counts it: a crash
      // between steps leaves the old, still-valid view of the file.
      channel.force(false);
      writeTable();
      channel.force(false);
      writeHeader();
      channel.force(true);
    } catch (IOException e) {
      throw SifException.io(path, "writing descriptors", e);
    }
  }

  private void writeTable() throws IOException {
    ByteBuffer table = ByteBuffer.allocate(slots.size() * SifDescriptor.SIZE);
    for (SifDescriptor d : slots) {
      d.encode(table);
    }
    table.flip();
    long at = header.descriptorsOffset();
    while (table.hasRemaining()) {
      at += channel.write(table, at);
    }
  }

  private void writeHeader() throws IOException {
    ByteBuffer b = header.encode();
    long at = 0;
    while (b.hasRemaining()) {
      at += channel.write(b, at);
    }
  }

  private int firstFreeSlot() throws SifException {
    for (int i = 0; i < slots.size(); i++) {
      if (!slots.get(i).used()) {
        return i;
      }
    }
    throw new SifException(
        path, Reason.FULL, "no free descriptor: all " + slots.size() + " slots are in use");
  }

  private int slotOf(int id) throws SifException {
    for (int i = 0; i < slots.size(); i++) {
      if (slots.get(i).used() && slots.get(i).id() == id) {
        return i;
      }
    }
    throw new SifException(
        path, Reason.NOT_FOUND, "no object with ID " + Integer.toUnsignedString(id));
  }

  private int findPrimary() {
    for (int i = 0; i < slots.size(); i++) {
      var p = slots.get(i).partition();
      if (slots.get(i).used()
          && p.isPresent()
          && p.get().partType() == SifCodes.PART_PRIMARY_SYSTEM) {
        return i;
      }
    }
    return -1;
  }

  private boolean isLast(SifDescriptor d) {
    return slots.stream().filter(SifDescriptor::used).allMatch(o -> o.end() <= d.end());
  }

  private long now() {
    if (fixedTime != null) {
      return fixedTime;
    }
    return header.isDeterministic() ? SifHeader.ZERO_TIME : Instant.now().getEpochSecond();
  }

  private byte[] encodeName(String name) throws SifException {
    if (name.getBytes(StandardCharsets.UTF_8).length > SifDescriptor.NAME_LEN) {
      throw new SifException(
          path, Reason.INVALID_ARGUMENT, "object name \"" + name + "\" is longer than 128 bytes");
    }
    return Text.fixed(name, SifDescriptor.NAME_LEN);
  }

  private static long align(long offset, int alignment) {
    return alignment == 0 ? offset : (offset + alignment - 1) & -(long) alignment;
  }

  private static List<SifDescriptor> nCopies(int n) {
    List<SifDescriptor> l = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      l.add(SifDescriptor.EMPTY);
    }
    return l;
  }

  private static FileChannel openChannel(Path path, boolean create) throws SifException {
    try {
      return create
          ? FileChannel.open(
              path, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE)
          : FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE);
    } catch (IOException e) {
      throw SifException.io(path, "cannot open for writing", e);
    }
  }

  static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java runtime provides SHA-256", e);
    }
  }
}
