package io.sifkube.sif;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Optional;

/**
 * One 585-byte object descriptor, field for field as SIF v2 lays it out. Group and link values are
 * kept raw (with the {@link #GROUP_MASK} bit pattern); the accessors strip it as the reference
 * does.
 *
 * @param dataType the data type code ({@link SifCodes})
 * @param used whether the slot holds an object
 * @param id the object ID, slot index + 1 when written by a creator
 * @param groupRaw the group ID OR {@link #GROUP_MASK}; the bare mask means no group
 * @param linkRaw an object ID, or a group ID OR {@link #GROUP_MASK}; 0 means no link
 * @param offset absolute file offset of the data
 * @param size data length
 * @param sizeWithPadding data length plus the alignment padding before it
 * @param createdAt Unix seconds
 * @param modifiedAt Unix seconds
 * @param uid deprecated, kept as read
 * @param gid deprecated, kept as read
 * @param name the 128-byte NUL-padded name
 * @param extra the 384-byte type-specific field
 */
public record SifDescriptor(
    int dataType,
    boolean used,
    int id,
    int groupRaw,
    int linkRaw,
    long offset,
    long size,
    long sizeWithPadding,
    long createdAt,
    long modifiedAt,
    long uid,
    long gid,
    byte[] name,
    byte[] extra) {

  /** Encoded size of a descriptor. */
  public static final int SIZE = 585;

  /** Marks group IDs, and links that point at a group. */
  public static final int GROUP_MASK = 0xF0000000;

  static final int NAME_LEN = 128;
  static final int EXTRA_LEN = 384;
  static final int SIGNATURE_ENTITY_LEN = 256;
  static final int FINGERPRINT_LEN = 20;

  /** An unused, all-zero slot. */
  static final SifDescriptor EMPTY =
      new SifDescriptor(0, false, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, new byte[NAME_LEN], new byte[384]);

  /** Decodes the descriptor at the position of {@code in}, advancing it by {@link #SIZE}. */
  public static SifDescriptor decode(ByteBuffer in) {
    in.order(ByteOrder.LITTLE_ENDIAN);
    int dataType = in.getInt();
    boolean used = in.get() != 0;
    int id = in.getInt();
    int group = in.getInt();
    int link = in.getInt();
    long offset = in.getLong();
    long size = in.getLong();
    long padded = in.getLong();
    long created = in.getLong();
    long modified = in.getLong();
    long uid = in.getLong();
    long gid = in.getLong();
    byte[] name = new byte[NAME_LEN];
    in.get(name);
    byte[] extra = new byte[EXTRA_LEN];
    in.get(extra);
    return new SifDescriptor(
        dataType, used, id, group, link, offset, size, padded, created, modified, uid, gid, name,
        extra);
  }

  /** Appends exactly {@link #SIZE} bytes to {@code out}. */
  public void encode(ByteBuffer out) {
    out.order(ByteOrder.LITTLE_ENDIAN);
    out.putInt(dataType).put((byte) (used ? 1 : 0)).putInt(id).putInt(groupRaw).putInt(linkRaw);
    out.putLong(offset).putLong(size).putLong(sizeWithPadding);
    out.putLong(createdAt).putLong(modifiedAt).putLong(uid).putLong(gid);
    out.put(name).put(extra);
  }

  /** The object's group, or 0 when it belongs to none. */
  public int groupId() {
    return groupRaw & ~GROUP_MASK;
  }

  /** The linked object or group ID, or 0 when there is no link. */
  public int linkedId() {
    return linkRaw & ~GROUP_MASK;
  }

  /** True when {@link #linkedId()} names a group rather than an object. */
  public boolean linksGroup() {
    return (linkRaw & GROUP_MASK) == GROUP_MASK;
  }

  /** The name without its NUL padding. */
  public String nameText() {
    return Text.trimNuls(name);
  }

  /** First file offset after the data. */
  public long end() {
    return offset + size;
  }

  public String dataTypeName() {
    return SifCodes.dataTypeName(dataType);
  }

  /** Partition metadata, for {@link SifCodes#DATA_PARTITION} objects. */
  public Optional<Partition> partition() {
    if (dataType != SifCodes.DATA_PARTITION) {
      return Optional.empty();
    }
    return Optional.of(Partition.decode(extra));
  }

  /** Signature metadata, for {@link SifCodes#DATA_SIGNATURE} objects. */
  public Optional<Signature> signature() {
    if (dataType != SifCodes.DATA_SIGNATURE) {
      return Optional.empty();
    }
    ByteBuffer b = extraBuffer();
    int hash = b.getInt();
    byte[] fingerprint = new byte[FINGERPRINT_LEN];
    b.get(fingerprint);
    boolean none = Arrays.equals(fingerprint, new byte[FINGERPRINT_LEN]);
    return Optional.of(new Signature(hash, none ? new byte[0] : fingerprint));
  }

  /** Crypto message metadata, for {@link SifCodes#DATA_CRYPTO_MESSAGE} objects. */
  public Optional<CryptoMessage> cryptoMessage() {
    if (dataType != SifCodes.DATA_CRYPTO_MESSAGE) {
      return Optional.empty();
    }
    ByteBuffer b = extraBuffer();
    return Optional.of(new CryptoMessage(b.getInt(), b.getInt()));
  }

  /** The SBOM format code, for {@link SifCodes#DATA_SBOM} objects. */
  public Optional<Integer> sbomFormat() {
    return dataType == SifCodes.DATA_SBOM ? Optional.of(extraBuffer().getInt()) : Optional.empty();
  }

  /** The {@code algo:hex} digest stored with OCI blob and root index objects. */
  public Optional<String> ociDigest() {
    if (dataType != SifCodes.DATA_OCI_BLOB && dataType != SifCodes.DATA_OCI_ROOT_INDEX) {
      return Optional.empty();
    }
    return Optional.of(Text.trimNuls(extra));
  }

  SifDescriptor withExtra(byte[] newExtra, long modified) {
    return new SifDescriptor(
        dataType,
        used,
        id,
        groupRaw,
        linkRaw,
        offset,
        size,
        sizeWithPadding,
        createdAt,
        modified,
        uid,
        gid,
        name,
        newExtra);
  }

  private ByteBuffer extraBuffer() {
    return ByteBuffer.wrap(extra).order(ByteOrder.LITTLE_ENDIAN);
  }

  /**
   * Partition metadata.
   *
   * @param fsType file system code
   * @param partType partition type code
   * @param archCode two-digit SIF arch code
   */
  public record Partition(int fsType, int partType, String archCode) {
    /** Decodes partition metadata from an Extra field. */
    public static Partition decode(byte[] extra) {
      ByteBuffer b = ByteBuffer.wrap(extra).order(ByteOrder.LITTLE_ENDIAN);
      int fs = b.getInt();
      int part = b.getInt();
      byte[] arch = new byte[3];
      b.get(arch);
      return new Partition(fs, part, Text.cString(arch));
    }

    public String arch() {
      return SifCodes.archName(archCode);
    }

    /** The 11-byte Extra encoding: fs type, partition type, arch code. */
    public byte[] encode() {
      ByteBuffer b = ByteBuffer.allocate(EXTRA_LEN).order(ByteOrder.LITTLE_ENDIAN);
      b.putInt(fsType).putInt(partType).put(Text.fixed(archCode, 3));
      return b.array();
    }
  }

  /**
   * Signature metadata.
   *
   * @param hashType hash code
   * @param fingerprint the 20-byte PGP fingerprint, or empty when none is stored (DSSE)
   */
  public record Signature(int hashType, byte[] fingerprint) {
    public String fingerprintHex() {
      return HexFormat.of().withUpperCase().formatHex(fingerprint);
    }

    /** The Extra encoding: hash type, then the 256-byte entity field. */
    public byte[] encode() {
      ByteBuffer b = ByteBuffer.allocate(EXTRA_LEN).order(ByteOrder.LITTLE_ENDIAN);
      b.putInt(hashType).put(Arrays.copyOf(fingerprint, SIGNATURE_ENTITY_LEN));
      return b.array();
    }
  }

  /**
   * Crypto message metadata.
   *
   * @param format format code
   * @param messageType message type code
   */
  public record CryptoMessage(int format, int messageType) {
    /** The Extra encoding: format, then message type. */
    public byte[] encode() {
      return ByteBuffer.allocate(EXTRA_LEN)
          .order(ByteOrder.LITTLE_ENDIAN)
          .putInt(format)
          .putInt(messageType)
          .array();
    }
  }
}
