package io.sifkube.squashfs;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The block compressor of a squashfs layer. gzip is the default because every SingularityCE, every
 * kernel and every squashfuse reads it; the others are for images that are started often (lz4, zstd
 * decompress several times faster) or stored long (xz).
 *
 * <p>Levels are set here, not left to the tools, because the tools' defaults are their slowest
 * settings. tar2sqfs with 2 jobs on the 204 MB tar of the pull benchmark's Debian image (2 cores,
 * 2026-12-06): gzip level 9 (the default of tar2sqfs and mksquashfs) 10.9 s for 91.9 MB, level 6
 * (zlib's own default) 4.5 s for 92.1 MB; zstd level 15 (tar2sqfs' default) 14.6 s for 86.7 MB,
 * level 3 (zstd's own default) 0.64 s for 93.7 MB; lz4 0.40 s for 115.9 MB; xz 24.8 s for 83.3 MB.
 * gzip 6 costs 0.3 % of size for 2.4 times the speed and reads exactly as fast (inflate does not
 * depend on the level), so it is the default; xz keeps its default, being chosen for size.
 */
public enum SquashfsCompression {
  GZIP("gzip", 1, List.of("level=6")),
  LZ4("lz4", 5, List.of()),
  ZSTD("zstd", 6, List.of("level=3")),
  XZ("xz", 4, List.of());

  private final String tool;
  private final int superblockId;
  private final List<String> extra;

  SquashfsCompression(String tool, int superblockId, List<String> extra) {
    this.tool = tool;
    this.superblockId = superblockId;
    this.extra = extra;
  }

  /** The name users give and squashfs-tools use: {@code gzip}, {@code lz4}, … */
  public String toolName() {
    return tool;
  }

  /** The compressor id a squashfs superblock stores (offset 20, little-endian u16). */
  public int superblockId() {
    return superblockId;
  }

  /** tar2sqfs {@code -X} options (comma-joined there), empty for the tool's defaults. */
  public List<String> tar2sqfsOptions() {
    return extra;
  }

  /** mksquashfs arguments after {@code -comp NAME} that give the same settings. */
  public List<String> mksquashfsOptions() {
    return switch (this) {
      case GZIP -> List.of("-Xcompression-level", "6");
      case ZSTD -> List.of("-Xcompression-level", "3");
      case LZ4, XZ -> List.of();
    };
  }

  /**
   * The part of a cache file name that keeps images of one digest but different compressors apart:
   * empty for gzip, so the caches written before the option existed stay valid.
   */
  public String cacheSuffix() {
    return this == GZIP ? "" : "." + tool;
  }

  /** The compressor named {@code name} (any case). */
  public static SquashfsCompression parse(String name) {
    for (SquashfsCompression c : values()) {
      if (c.tool.equals(name.toLowerCase(Locale.ROOT))) {
        return c;
      }
    }
    throw new IllegalArgumentException(
        "unknown squashfs compression \"" + name + "\" (choose one of " + names() + ")");
  }

  /** The compressor with superblock id {@code id}, or null for one Sifkube does not write. */
  public static SquashfsCompression ofSuperblockId(int id) {
    for (SquashfsCompression c : values()) {
      if (c.superblockId == id) {
        return c;
      }
    }
    return null;
  }

  public static String names() {
    return Arrays.stream(values()).map(c -> c.tool).collect(Collectors.joining(", "));
  }

  @Override
  public String toString() {
    return tool;
  }
}
