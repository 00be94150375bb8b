package io.sifkube.sif;

import io.sifkube.sif.SifException.Reason;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Reads and validates the header and descriptor table of a SIF file. Every field that later code
 * uses to seek, size a buffer or loop is range-checked here, so a damaged or hostile file ends in
 * one {@link SifException} naming the problem, never in a huge allocation or an endless loop.
 */
final class SifLoader {

  /**
   * The most descriptor slots we accept. The format allows 2^32−2, but real images hold tens
   * (SingularityCE: objects + 8 spare); the limit keeps a forged count from costing memory.
   */
  static final long MAX_DESCRIPTORS = 1 << 16;

  private static final int TABLE_CHUNK = 64;

  private SifLoader() {}

  /** The header, every slot (used or not, in table order) and the file size at load time. */
  record Contents(SifHeader header, List<SifDescriptor> slots, long fileSize) {}

  static Contents load(Path file, FileChannel ch) throws SifException {
    try {
      long fileSize = ch.size();
      if (fileSize < SifHeader.SIZE) {
        throw new SifException(
            file,
            Reason.TRUNCATED,
            "file is " + fileSize + " bytes, shorter than the " + SifHeader.SIZE + "-byte header");
      }
      SifHeader h = SifHeader.decode(readFully(file, ch, 0, SifHeader.SIZE));
      checkHeader(file, h, fileSize);
      List<SifDescriptor> slots = readTable(file, ch, h);
      checkObjects(file, h, slots, fileSize);
      return new Contents(h, slots, fileSize);
    } catch (IOException e) {
      throw SifException.io(file, "reading SIF", e);
    }
  }

  private static void checkHeader(Path file, SifHeader h, long fileSize) throws SifException {
    if (!h.hasValidMagic()) {
      throw new SifException(file, Reason.BAD_MAGIC, "not a SIF file (no SIF_MAGIC at offset 32)");
    }
    if (!h.hasSupportedVersion()) {
      throw new SifException(
          file,
          Reason.BAD_VERSION,
          "unsupported SIF version \"" + printable(h.version()) + "\" (supported: 01)");
    }
    long total = h.descriptorsTotal();
    if (total < 0 || total > MAX_DESCRIPTORS) {
      throw corrupt(file, "descriptor count " + total + " is outside 0.." + MAX_DESCRIPTORS);
    }
    if (h.descriptorsFree() < 0 || h.descriptorsFree() > total) {
      throw corrupt(
          file, "free descriptor count " + h.descriptorsFree() + " is outside 0.." + total);
    }
    if (h.descriptorsSize() != total * SifDescriptor.SIZE) {
      throw corrupt(
          file,
          "descriptor table size "
              + h.descriptorsSize()
              + " does not match "
              + total
              + " descriptors of "
              + SifDescriptor.SIZE
              + " bytes");
    }
    long tableStart = h.descriptorsOffset();
    if (tableStart < SifHeader.SIZE) {
      throw corrupt(file, "descriptor table offset " + tableStart + " overlaps the header");
    }
    long tableEnd = addOrMax(tableStart, h.descriptorsSize());
    if (tableEnd > fileSize) {
      throw new SifException(
          file,
          Reason.TRUNCATED,
          "descriptor table ("
              + tableStart
              + ".."
              + tableEnd
              + ") extends past the end of the file ("
              + fileSize
              + " bytes)");
    }
    if (h.dataOffset() < tableEnd || h.dataOffset() > fileSize) {
      throw corrupt(
          file,
          "data offset "
              + h.dataOffset()
              + " is outside the file area "
              + tableEnd
              + ".."
              + fileSize);
    }
    if (h.dataSize() < 0 || addOrMax(h.dataOffset(), h.dataSize()) > fileSize) {
      throw new SifException(
          file,
          Reason.TRUNCATED,
          "data section of "
              + h.dataSize()
              + " bytes at offset "
              + h.dataOffset()
              + " extends past the end of the file ("
              + fileSize
              + " bytes)");
    }
  }

  private static List<SifDescriptor> readTable(Path file, FileChannel ch, SifHeader h)
      throws IOException {
    int total = (int) h.descriptorsTotal();
    List<SifDescriptor> slots = new ArrayList<>(total);
    for (int first = 0; first < total; first += TABLE_CHUNK) {
      int n = Math.min(TABLE_CHUNK, total - first);
      long at = h.descriptorsOffset() + (long) first * SifDescriptor.SIZE;
      ByteBuffer chunk = readFully(file, ch, at, n * SifDescriptor.SIZE);
      for (int i = 0; i < n; i++) {
        SifDescriptor d = SifDescriptor.decode(chunk);
        slots.add(d.used() ? d : SifDescriptor.EMPTY);
      }
    }
    return slots;
  }

  private static void checkObjects(Path file, SifHeader h, List<SifDescriptor> slots, long fileSize)
      throws SifException {
    Set<Integer> ids = new HashSet<>();
    List<SifDescriptor> placed = new ArrayList<>();
    for (SifDescriptor d : slots) {
      if (!d.used()) {
        continue;
      }
      String what = "object " + Integer.toUnsignedString(d.id());
      if (d.id() == 0) {
        throw corrupt(file, "a used descriptor has ID 0");
      }
      if (!ids.add(d.id())) {
        throw corrupt(file, "two descriptors have ID " + Integer.toUnsignedString(d.id()));
      }
      if (d.size() < 0 || d.offset() < h.dataOffset()) {
        throw new SifException(
            file,
            Reason.BAD_LAYOUT,
            what
                + " (offset "
                + d.offset()
                + ", size "
                + d.size()
                + ") lies outside the data area");
      }
      if (addOrMax(d.offset(), d.size()) > fileSize) {
        throw new SifException(
            file,
            Reason.BAD_LAYOUT,
            what
                + " (offset "
                + d.offset()
                + ", size "
                + d.size()
                + ") extends past the end of the file ("
                + fileSize
                + " bytes)");
      }
      if (d.sizeWithPadding() < d.size()
          || d.offset() + d.size() - d.sizeWithPadding() < h.dataOffset()) {
        throw corrupt(file, what + " has an impossible padded size " + d.sizeWithPadding());
      }
      if (d.size() > 0) {
        placed.add(d);
      }
    }
    long unused = slots.size() - ids.size();
    if (unused != h.descriptorsFree()) {
      throw corrupt(
          file,
          "header counts "
              + h.descriptorsFree()
              + " free descriptors but "
              + unused
              + " of "
              + slots.size()
              + " slots are unused");
    }
    long dataEnd = h.dataOffset() + h.dataSize();
    placed.sort(Comparator.comparingLong(SifDescriptor::offset));
    if (!placed.isEmpty() && placed.get(placed.size() - 1).end() > dataEnd) {
      SifDescriptor last = placed.get(placed.size() - 1);
      throw new SifException(
          file,
          Reason.BAD_LAYOUT,
          "object "
              + Integer.toUnsignedString(last.id())
              + " ends at "
              + last.end()
              + ", past the end of the data section ("
              + dataEnd
              + ")");
    }
    for (int i = 1; i < placed.size(); i++) {
      SifDescriptor prev = placed.get(i - 1);
      SifDescriptor next = placed.get(i);
      if (next.offset() < prev.end()) {
        throw new SifException(
            file,
            Reason.BAD_LAYOUT,
            "objects "
                + Integer.toUnsignedString(prev.id())
                + " and "
                + Integer.toUnsignedString(next.id())
                + " overlap at offset "
                + next.offset());
      }
    }
  }

  static ByteBuffer readFully(Path file, FileChannel ch, long at, int n) throws IOException {
    ByteBuffer b = ByteBuffer.allocate(n);
    while (b.hasRemaining()) {
      int r = ch.read(b, at + b.position());
      if (r < 0) {
        throw new SifException(
            file,
            Reason.TRUNCATED,
            "unexpected end of file reading " + n + " bytes at offset " + at);
      }
    }
    return b.flip();
  }

  private static long addOrMax(long a, long b) {
    long r = a + b;
    return ((a ^ r) & (b ^ r)) < 0 ? Long.MAX_VALUE : r;
  }

  private static SifException corrupt(Path file, String problem) {
    return new SifException(file, Reason.CORRUPT, problem);
  }

  private static String printable(byte[] b) {
    StringBuilder s = new StringBuilder();
    for (byte x : b) {
      if (x == 0) {
        break;
      }
      s.append(x >= 0x20 && x < 0x7f ? (char) x : '?');
    }
    return s.toString();
  }
}
