package io.sifkube.sif;

import java.util.List;
import java.util.Locale;

/**
 * The code tables of SIF v2 (data types, file system and partition types, architectures, hash,
 * message and SBOM formats) and the names the reference {@code siftool} prints for them. Unknown
 * codes are valid on disk and print as "Unknown", as the reference does.
 */
public final class SifCodes {

  public static final int DATA_DEFFILE = 0x4001;
  public static final int DATA_ENV_VAR = 0x4002;
  public static final int DATA_LABELS = 0x4003;
  public static final int DATA_PARTITION = 0x4004;
  public static final int DATA_SIGNATURE = 0x4005;
  public static final int DATA_GENERIC_JSON = 0x4006;
  public static final int DATA_GENERIC = 0x4007;
  public static final int DATA_CRYPTO_MESSAGE = 0x4008;
  public static final int DATA_SBOM = 0x4009;
  public static final int DATA_OCI_ROOT_INDEX = 0x400A;
  public static final int DATA_OCI_BLOB = 0x400B;

  public static final int FS_SQUASHFS = 1;
  public static final int FS_EXT3 = 2;
  public static final int FS_IMMUTABLE_ARCHIVE = 3;
  public static final int FS_RAW = 4;
  public static final int FS_ENCRYPTED_SQUASHFS = 5;

  public static final int PART_SYSTEM = 1;
  public static final int PART_PRIMARY_SYSTEM = 2;
  public static final int PART_DATA = 3;
  public static final int PART_OVERLAY = 4;

  public static final int HASH_SHA256 = 1;
  public static final int HASH_SHA384 = 2;
  public static final int HASH_SHA512 = 3;
  public static final int HASH_BLAKE2S = 4;
  public static final int HASH_BLAKE2B = 5;

  public static final int FORMAT_OPENPGP = 1;
  public static final int FORMAT_PEM = 2;
  public static final int MESSAGE_CLEAR_SIGNATURE = 0x100;
  public static final int MESSAGE_RSA_OAEP = 0x200;

  private static final List<String> DATA_TYPE_NAMES =
      List.of(
          "Def.FILE",
          "Env.Vars",
          "JSON.Labels",
          "FS",
          "Signature",
          "JSON.Generic",
          "Generic/Raw",
          "Cryptographic Message",
          "SBOM",
          "OCI.RootIndex",
          "OCI.Blob");
  private static final List<String> FS_NAMES =
      List.of("Squashfs", "Ext3", "Archive", "Raw", "Encrypted squashfs");
  private static final List<String> PART_NAMES = List.of("System", "*System", "Data", "Overlay");
  private static final List<String> HASH_NAMES =
      List.of("SHA-256", "SHA-384", "SHA-512", "BLAKE2s-256", "BLAKE2b-256");
  private static final List<String> SBOM_NAMES =
      List.of(
          "cyclonedx-json",
          "cyclonedx-xml",
          "github-json",
          "spdx-json",
          "spdx-rdf",
          "spdx-tag-value",
          "spdx-yaml",
          "syft-json");

  /** Go architecture names, indexed by the two-digit SIF arch code. */
  private static final List<String> ARCH_NAMES =
      List.of(
          "unknown",
          "386",
          "amd64",
          "arm",
          "arm64",
          "ppc64",
          "ppc64le",
          "mips",
          "mipsle",
          "mips64",
          "mips64le",
          "s390x",
          "riscv64",
          "loong64");

  private SifCodes() {}

  public static String dataTypeName(int code) {
    return nameAt(DATA_TYPE_NAMES, code - DATA_DEFFILE);
  }

  /** True for the data types defined by SIF v2 (0x4001..0x400B). */
  public static boolean isKnownDataType(int code) {
    return code >= DATA_DEFFILE && code <= DATA_OCI_BLOB;
  }

  public static String fsTypeName(int code) {
    return nameAt(FS_NAMES, code - 1);
  }

  public static String partTypeName(int code) {
    return nameAt(PART_NAMES, code - 1);
  }

  public static String hashTypeName(int code) {
    return nameAt(HASH_NAMES, code - 1);
  }

  public static String sbomFormatName(int code) {
    return nameAt(SBOM_NAMES, code - 1);
  }

  /** The SBOM format code for a name ("spdx-json" → 4), or -1 when there is none. */
  public static int sbomFormatCode(String name) {
    int i = SBOM_NAMES.indexOf(name);
    return i < 0 ? -1 : i + 1;
  }

  /** The SBOM format names, in code order. */
  public static List<String> sbomFormatNames() {
    return SBOM_NAMES;
  }

  public static String cryptoFormatName(int code) {
    return switch (code) {
      case FORMAT_OPENPGP -> "OpenPGP";
      case FORMAT_PEM -> "PEM";
      default -> "Unknown";
    };
  }

  public static String messageTypeName(int code) {
    return switch (code) {
      case MESSAGE_CLEAR_SIGNATURE -> "Clear Signature";
      case MESSAGE_RSA_OAEP -> "RSA-OAEP";
      default -> "Unknown";
    };
  }

  /**
   * The Go architecture name for a 3-byte SIF arch field ("02\0" → "amd64"); "unknown" for codes
   * the format does not define, as the reference prints them.
   */
  public static String archName(String sifArch) {
    if (sifArch.length() == 2
        && Character.isDigit(sifArch.charAt(0))
        && Character.isDigit(sifArch.charAt(1))) {
      return nameAt(ARCH_NAMES, Integer.parseInt(sifArch)).replace("Unknown", "unknown");
    }
    return "unknown";
  }

  /** The two-digit SIF arch code for a Go architecture name, or "00" when the format has none. */
  public static String archCode(String goArch) {
    int i = ARCH_NAMES.indexOf(goArch);
    return i < 0 ? "00" : String.format(Locale.ROOT, "%02d", i);
  }

  /** The Go architecture name of this JVM's host, as OCI platforms and SIF partitions spell it. */
  public static String hostArch() {
    String arch = System.getProperty("os.arch");
    return switch (arch) {
      case "amd64", "x86_64" -> "amd64";
      case "aarch64" -> "arm64";
      case "x86", "i386", "i686" -> "386";
      default -> arch;
    };
  }

  private static String nameAt(List<String> names, int index) {
    return index >= 0 && index < names.size() ? names.get(index) : "Unknown";
  }
}
