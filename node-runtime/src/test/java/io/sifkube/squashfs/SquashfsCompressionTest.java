package io.sifkube.squashfs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class SquashfsCompressionTest {

  @Test
  void namesParseInAnyCaseAndUnknownOnesListTheChoices() {
    assertThat(SquashfsCompression.parse("ZSTD")).isEqualTo(SquashfsCompression.ZSTD);
    assertThat(SquashfsCompression.parse("lz4")).isEqualTo(SquashfsCompression.LZ4);
    assertThatThrownBy(() -> SquashfsCompression.parse("lzo"))
        .hasMessage("unknown squashfs compression \"lzo\" (choose one of gzip, lz4, zstd, xz)");
  }

  @Test
  void gzipKeepsTheCacheNamesOfOlderReleasesAndTheOthersAreKeptApart() {
    assertThat(SquashfsCompression.GZIP.cacheSuffix()).isEmpty();
    assertThat(SquashfsCompression.ZSTD.cacheSuffix()).isEqualTo(".zstd");
    assertThat(SquashfsCompression.LZ4.cacheSuffix()).isEqualTo(".lz4");
  }

  @Test
  void superblockIdsAreTheKernelsAndLevelsAreTheFastOnes() {
    // linux/fs/squashfs/squashfs_fs.h: ZLIB 1, XZ 4, LZ4 5, ZSTD 6
    assertThat(SquashfsCompression.ofSuperblockId(1)).isEqualTo(SquashfsCompression.GZIP);
    assertThat(SquashfsCompression.ofSuperblockId(4)).isEqualTo(SquashfsCompression.XZ);
    assertThat(SquashfsCompression.ofSuperblockId(5)).isEqualTo(SquashfsCompression.LZ4);
    assertThat(SquashfsCompression.ofSuperblockId(6)).isEqualTo(SquashfsCompression.ZSTD);
    assertThat(SquashfsCompression.ofSuperblockId(3)).isNull();
    assertThat(SquashfsCompression.ZSTD.tar2sqfsOptions()).containsExactly("level=3");
    assertThat(SquashfsCompression.ZSTD.mksquashfsOptions())
        .containsExactly("-Xcompression-level", "3");
    assertThat(SquashfsCompression.GZIP.tar2sqfsOptions()).containsExactly("level=6");
  }
}
