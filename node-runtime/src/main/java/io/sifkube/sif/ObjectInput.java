package io.sifkube.sif;

import java.util.Arrays;

/**
 * What to record about a new object: its type, name, group and link, type-specific metadata and
 * alignment. The data itself is streamed separately. Build one with the static factories and the
 * {@code with…} methods.
 *
 * @param dataType the data type code ({@link SifCodes})
 * @param name the object name, at most 128 bytes of UTF-8
 * @param groupId the group to join (default 1), or 0 for none
 * @param linkedId the object or group linked to, or 0 for none
 * @param linkIsGroup whether {@code linkedId} is a group
 * @param extra the 384-byte Extra field; OCI types get their digest filled in while writing
 * @param alignment data alignment in bytes (4096 for partitions, 0 otherwise, as the reference)
 */
public record ObjectInput(
    int dataType,
    String name,
    int groupId,
    int linkedId,
    boolean linkIsGroup,
    byte[] extra,
    int alignment) {

  /** The group objects join unless told otherwise. */
  public static final int DEFAULT_GROUP = 1;

  private static final int PARTITION_ALIGNMENT = 4096;

  public ObjectInput {
    if (extra.length != SifDescriptor.EXTRA_LEN) {
      extra = Arrays.copyOf(extra, SifDescriptor.EXTRA_LEN);
    }
    if (alignment < 0 || (alignment & (alignment - 1)) != 0) {
      throw new IllegalArgumentException("alignment " + alignment + " is not a power of two");
    }
    if ((groupId & SifDescriptor.GROUP_MASK) != 0 || (linkedId & SifDescriptor.GROUP_MASK) != 0) {
      throw new IllegalArgumentException("group and link IDs must be below 0x10000000");
    }
  }

  /** An object of {@code dataType} with no type-specific metadata. */
  public static ObjectInput of(int dataType) {
    return new ObjectInput(
        dataType, "", DEFAULT_GROUP, 0, false, new byte[SifDescriptor.EXTRA_LEN], 0);
  }

  /** A file system partition; aligned to 4096 bytes. */
  public static ObjectInput partition(int fsType, int partType, String goArch) {
    byte[] extra =
        new SifDescriptor.Partition(fsType, partType, SifCodes.archCode(goArch)).encode();
    return new ObjectInput(
        SifCodes.DATA_PARTITION, "", DEFAULT_GROUP, 0, false, extra, PARTITION_ALIGNMENT);
  }

  /** A signature object with its hash type and optional 20-byte fingerprint. */
  public static ObjectInput signature(int hashType, byte[] fingerprint) {
    byte[] extra = new SifDescriptor.Signature(hashType, fingerprint).encode();
    return new ObjectInput(SifCodes.DATA_SIGNATURE, "", DEFAULT_GROUP, 0, false, extra, 0);
  }

  /** A cryptographic message with its format and message type. */
  public static ObjectInput cryptoMessage(int format, int messageType) {
    byte[] extra = new SifDescriptor.CryptoMessage(format, messageType).encode();
    return new ObjectInput(SifCodes.DATA_CRYPTO_MESSAGE, "", DEFAULT_GROUP, 0, false, extra, 0);
  }

  /** An SBOM in the given format. */
  public static ObjectInput sbom(int format) {
    byte[] extra = new byte[SifDescriptor.EXTRA_LEN];
    extra[0] = (byte) format;
    extra[1] = (byte) (format >>> 8);
    extra[2] = (byte) (format >>> 16);
    extra[3] = (byte) (format >>> 24);
    return new ObjectInput(SifCodes.DATA_SBOM, "", DEFAULT_GROUP, 0, false, extra, 0);
  }

  public ObjectInput withName(String newName) {
    return new ObjectInput(dataType, newName, groupId, linkedId, linkIsGroup, extra, alignment);
  }

  /** Puts the object in group {@code id}, or in none when {@code id} is 0. */
  public ObjectInput withGroup(int id) {
    return new ObjectInput(dataType, name, id, linkedId, linkIsGroup, extra, alignment);
  }

  public ObjectInput withLink(int id, boolean toGroup) {
    return new ObjectInput(dataType, name, groupId, id, toGroup, extra, alignment);
  }

  public ObjectInput withAlignment(int bytes) {
    return new ObjectInput(dataType, name, groupId, linkedId, linkIsGroup, extra, bytes);
  }

  /** True for the OCI types, whose Extra holds the SHA-256 of the data. */
  boolean storesDigest() {
    return dataType == SifCodes.DATA_OCI_BLOB || dataType == SifCodes.DATA_OCI_ROOT_INDEX;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ObjectInput other
        && dataType == other.dataType
        && name.equals(other.name)
        && groupId == other.groupId
        && linkedId == other.linkedId
        && linkIsGroup == other.linkIsGroup
        && Arrays.equals(extra, other.extra)
        && alignment == other.alignment;
  }

  @Override
  public int hashCode() {
    return 31 * dataType + name.hashCode() + Arrays.hashCode(extra);
  }

  @Override
  public String toString() {
    return "ObjectInput[type=" + SifCodes.dataTypeName(dataType) + ", name=" + name + "]";
  }
}
