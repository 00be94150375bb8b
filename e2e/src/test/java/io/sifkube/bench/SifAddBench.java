package io.sifkube.bench;

import io.sifkube.sif.CreateOptions;
import io.sifkube.sif.ObjectInput;
import io.sifkube.sif.SifCodes;
import io.sifkube.sif.SifWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * In-process half of {@code e2e/bench/sif-add-bench.sh}: adds the same file to a fresh SIF several
 * times in one JVM and prints the seconds each add took (data copied and fsynced), so the script
 * can compare the library's streaming speed with {@code cp} without JVM start-up in it.
 *
 * <p>Usage: {@code SifAddBench SOURCE WORKDIR ROUNDS DATATYPE}, DATATYPE as siftool numbers them: 4
 * (a data partition, 4096-aligned), 7 (Generic, packed) or 11 (OCI.Blob, packed and hashed).
 */
public final class SifAddBench {

  private SifAddBench() {}

  public static void main(String[] args) throws Exception {
    Path source = Path.of(args[0]);
    Path dir = Path.of(args[1]);
    int rounds = Integer.parseInt(args[2]);
    int type = SifCodes.DATA_DEFFILE + Integer.parseInt(args[3]) - 1;
    ObjectInput input =
        type == SifCodes.DATA_PARTITION
            ? ObjectInput.partition(SifCodes.FS_RAW, SifCodes.PART_DATA, SifCodes.hostArch())
            : ObjectInput.of(type);
    for (int r = 0; r < rounds; r++) {
      Path sif = dir.resolve("inproc.sif");
      Files.deleteIfExists(sif);
      try (SifWriter w = SifWriter.create(sif, CreateOptions.defaults())) {
        long t0 = System.nanoTime();
        w.add(input, source);
        System.out.printf(Locale.ROOT, "%.3f%n", (System.nanoTime() - t0) / 1e9);
      }
      Files.delete(sif);
    }
  }
}
