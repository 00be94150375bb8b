package io.sifkube.sif;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.UUID;

/**
 * The 128-byte global header at offset 0 of every SIF file, field for field as SIF v2 lays it out
 * (little-endian, fixed NUL-padded text fields).
 *
 * @param launchScript the 32-byte launch script field, NUL-padded
 * @param magic the 10-byte magic field; {@code SIF_MAGIC\0} in a valid file
 * @param version the 3-byte version field; {@code 01\0} in a valid file
 * @param arch the 3-byte primary architecture code, two ASCII digits and a NUL
 * @param id the 16 raw bytes of the image UUID; all zero in deterministic images
 * @param createdAt Unix seconds; {@link #ZERO_TIME} means unset
 * @param modifiedAt Unix seconds; {@link #ZERO_TIME} means unset
 * @param descriptorsFree unused descriptor slots
 * @param descriptorsTotal all descriptor slots
 * @param descriptorsOffset file offset of the descriptor table
 * @param descriptorsSize bytes of the descriptor table, {@code total × 585}
 * @param dataOffset file offset where object data begins (not aligned)
 * @param dataSize bytes of object data, padding included
 */
public record SifHeader(
    byte[] launchScript,
    byte[] magic,
    byte[] version,
    byte[] arch,
    byte[] id,
    long createdAt,
    long modifiedAt,
    long descriptorsFree,
    long descriptorsTotal,
    long descriptorsOffset,
    long descriptorsSize,
    long dataOffset,
    long dataSize) {

  /** Encoded size of the header. */
  public static final int SIZE = 128;

  /** Where the creator puts the descriptor table. */
  public static final long DEFAULT_DESCRIPTORS_OFFSET = 4096;

  /** Go's zero time (0001-01-01 UTC) in Unix seconds: what deterministic images store. */
  public static final long ZERO_TIME = -62135596800L;

  static final byte[] MAGIC = "SIF_MAGIC\0".getBytes(StandardCharsets.US_ASCII);
  static final byte[] VERSION = "01\0".getBytes(StandardCharsets.US_ASCII);
  static final int LAUNCH_SCRIPT_LEN = 32;

  /** Decodes a header from the first {@link #SIZE} bytes of {@code b}. */
  public static SifHeader decode(ByteBuffer b) {
    ByteBuffer in = b.duplicate().order(ByteOrder.LITTLE_ENDIAN);
    return new SifHeader(
        take(in, LAUNCH_SCRIPT_LEN),
        take(in, 10),
        take(in, 3),
        take(in, 3),
        take(in, 16),
        in.getLong(),
        in.getLong(),
        in.getLong(),
        in.getLong(),
        in.getLong(),
        in.getLong(),
        in.getLong(),
        in.getLong());
  }

  /** Encodes this header into exactly {@link #SIZE} bytes. */
  public ByteBuffer encode() {
    ByteBuffer out = ByteBuffer.allocate(SIZE).order(ByteOrder.LITTLE_ENDIAN);
    out.put(launchScript).put(magic).put(version).put(arch).put(id);
    out.putLong(createdAt).putLong(modifiedAt);
    out.putLong(descriptorsFree).putLong(descriptorsTotal);
    out.putLong(descriptorsOffset).putLong(descriptorsSize);
    out.putLong(dataOffset).putLong(dataSize);
    return out.flip();
  }

  public boolean hasValidMagic() {
    return Arrays.equals(magic, MAGIC);
  }

  public boolean hasSupportedVersion() {
    return Arrays.equals(version, VERSION);
  }

  /** The launch script text, without NUL padding; empty when none is set. */
  public String launchScriptText() {
    return Text.cString(launchScript);
  }

  /** The version as text ("01"). */
  public String versionText() {
    return Text.cString(version);
  }

  /** The two-digit architecture code ("02"), or "00" for none. */
  public String archCode() {
    return Text.cString(arch);
  }

  /** The primary architecture as a Go name ("amd64"), or "unknown". */
  public String primaryArch() {
    return SifCodes.archName(archCode());
  }

  /** The image UUID. */
  public UUID uuid() {
    ByteBuffer b = ByteBuffer.wrap(id);
    return new UUID(b.getLong(), b.getLong());
  }

  /** True when the image was made deterministic: nil UUID and zero times. */
  public boolean isDeterministic() {
    return Arrays.equals(id, new byte[16]) && createdAt == ZERO_TIME && modifiedAt == ZERO_TIME;
  }

  SifHeader withArch(String code) {
    return with(Text.fixed(code, 3), modifiedAt, descriptorsFree, dataSize);
  }

  SifHeader withChange(long modifiedAt, long descriptorsFree, long dataSize) {
    return with(arch, modifiedAt, descriptorsFree, dataSize);
  }

  /** A copy with the fields that adding, deleting and setprim change. */
  private SifHeader with(byte[] newArch, long modified, long free, long size) {
    return new SifHeader(
        launchScript,
        magic,
        version,
        newArch,
        id,
        createdAt,
        modified,
        free,
        descriptorsTotal,
        descriptorsOffset,
        descriptorsSize,
        dataOffset,
        size);
  }

  private static byte[] take(ByteBuffer in, int n) {
    byte[] out = new byte[n];
    in.get(out);
    return out;
  }
}
