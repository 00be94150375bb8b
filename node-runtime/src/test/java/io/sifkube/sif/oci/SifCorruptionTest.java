package io.sifkube.sif.oci;

import static org.assertj.core.api.Assertions.assertThat;

import io.sifkube.image.oci.MediaTypes;
import io.sifkube.sif.SifCodes;
import io.sifkube.sif.SifDescriptor;
import io.sifkube.sif.SifException;
import io.sifkube.sif.SifFile;
import io.sifkube.testing.Fixtures;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.Function;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Damaged files end in {@link SifException}, never in another exception, a hang or a huge
 * allocation. Part one applies 1,200 random corruptions that a reader must notice (each must be
 * refused); part two applies 2,000 arbitrary ones (each must be refused or read cleanly).
 */
class SifCorruptionTest {

  private static final long SEED = 20261127L;

  @TempDir Path tmp;
  private final List<Sample> samples = new ArrayList<>();

  /** A valid file, its bytes and where its objects lie. */
  record Sample(String name, byte[] bytes, List<SifDescriptor> objects, boolean oci) {}

  @BeforeEach
  void loadSamples() throws Exception {
    for (Path p : Fixtures.referenceSifs()) {
      samples.add(sample(p));
    }
    Path layer = tmp.resolve("layer");
    byte[] data = new byte[5000];
    new Random(1).nextBytes(data);
    Files.write(layer, data);
    Path oci = tmp.resolve("valid.oci.sif");
    OciSifWriter.write(
        oci,
        List.of(LayerSource.squashfs(layer)),
        OciSifRoundTripTest.config(),
        MediaTypes.OCI_MANIFEST);
    Sample s = sample(oci);
    // Weight the OCI-SIF like several reference files: it is the format we depend on most.
    for (int i = 0; i < 6; i++) {
      samples.add(s);
    }
  }

  private static Sample sample(Path p) throws Exception {
    try (SifFile f = SifFile.open(p)) {
      return new Sample(
          p.getFileName().toString(),
          Files.readAllBytes(p),
          f.descriptors(),
          OciSifReader.isOciSif(f));
    }
  }

  @Test
  void everyDetectableCorruptionIsRefusedWithSifException() throws Exception {
    Random rnd = new Random(SEED);
    List<String> missed = new ArrayList<>();
    int n = 1200;
    for (int i = 0; i < n; i++) {
      Sample s = samples.get(rnd.nextInt(samples.size()));
      Mutation m = detectable(s, rnd);
      Path f = tmp.resolve("case-" + i + ".sif");
      Files.write(f, m.apply.apply(s.bytes.clone()));
      Throwable t = readEverything(f);
      if (!(t instanceof SifException)) {
        missed.add(s.name + " / " + m.what + " → " + (t == null ? "accepted" : t));
      }
      Files.delete(f);
    }
    assertThat(missed).as("corruptions not refused with SifException").isEmpty();
  }

  @Test
  void arbitraryDamageIsEitherReadOrRefusedWithSifException() throws Exception {
    Random rnd = new Random(SEED + 1);
    List<String> wrong = new ArrayList<>();
    int refused = 0;
    for (int i = 0; i < 2000; i++) {
      Sample s = samples.get(rnd.nextInt(samples.size()));
      byte[] b = s.bytes.clone();
      String what;
      if (rnd.nextInt(5) == 0) {
        int len = rnd.nextInt(b.length);
        b = Arrays.copyOf(b, len);
        what = "truncate to " + len;
      } else {
        int flips = 1 + rnd.nextInt(8);
        // Most damage goes to the header and descriptor table, where the structure lives.
        int region = rnd.nextBoolean() ? Math.min(b.length, 4096 + 585 * 6) : b.length;
        for (int k = 0; k < flips; k++) {
          b[rnd.nextInt(region)] ^= (byte) (1 + rnd.nextInt(255));
        }
        what = flips + " random byte flips";
      }
      Path f = tmp.resolve("case-" + i + ".sif");
      Files.write(f, b);
      Throwable t = readEverything(f);
      if (t != null && !(t instanceof SifException)) {
        wrong.add(s.name + " / " + what + " → " + t);
      }
      if (t != null) {
        refused++;
      }
      Files.delete(f);
    }
    assertThat(wrong).as("damage that escaped as another exception").isEmpty();
    assertThat(refused)
        .as("refused cases (the fuzzer must actually break files)")
        .isGreaterThan(500);
  }

  /**
   * Loads, reads every object and, for an OCI-SIF, the image and its layers; returns the failure.
   */
  private static Throwable readEverything(Path f) {
    try (SifFile sif = SifFile.open(f)) {
      byte[] buf = new byte[1 << 16];
      for (SifDescriptor d : sif.descriptors()) {
        try (InputStream in = sif.openObject(d.id())) {
          while (in.read(buf) > 0) {
            // drain
          }
        }
      }
      if (OciSifReader.isOciSif(sif)) {
        OciSifImage img = OciSifReader.read(sif);
        for (OciSifImage.Layer l : img.layers()) {
          OciSifReader.verifyLayer(sif, l);
        }
      }
      return null;
    } catch (Throwable t) {
      return t;
    }
  }

  /** A named change to a file's bytes. */
  record Mutation(String what, Function<byte[], byte[]> apply) {}

  private static Mutation detectable(Sample s, Random rnd) {
    List<SifDescriptor> objs = s.objects;
    int kind = rnd.nextInt(s.oci ? 12 : 9);
    long fileSize = s.bytes.length;
    long maxEnd = objs.stream().mapToLong(SifDescriptor::end).max().orElse(fileSize);
    switch (kind) {
      case 0 -> {
        int len = rnd.nextInt((int) Math.max(1, Math.min(maxEnd, fileSize)));
        return new Mutation("truncate to " + len, b -> Arrays.copyOf(b, len));
      }
      case 1 -> {
        int at = 32 + rnd.nextInt(10);
        return flip("magic byte " + at, at, rnd);
      }
      case 2 -> {
        int at = 42 + rnd.nextInt(3);
        return flip("version byte " + at, at, rnd);
      }
      case 3 -> {
        // free, total, table size, data offset, data size: any change breaks an invariant.
        int[] fields = {80, 88, 104, 112, 120};
        int at = fields[rnd.nextInt(fields.length)];
        long delta = rnd.nextBoolean() ? 1 + rnd.nextInt(1000) : -(1 + rnd.nextInt(1000));
        return addLong("header field @" + at + " += " + delta, at, delta);
      }
      case 4 -> {
        long v = wild(rnd, fileSize);
        return setLong("header field @80..120 := " + v, 80 + 8 * rnd.nextInt(6), v);
      }
      case 5 -> {
        long v = rnd.nextBoolean() ? rnd.nextInt(128) : fileSize + 1 + rnd.nextInt(1 << 20);
        return setLong("descriptor offset := " + v, 96, v);
      }
      default -> {
        if (objs.isEmpty()) {
          return flip("magic byte 33", 33, rnd);
        }
        int slot = slotOf(s, objs.get(rnd.nextInt(objs.size())));
        int base = 4096 + slot * SifDescriptor.SIZE;
        return switch (kind) {
          case 6 -> setByte("slot " + slot + " used := 0", base + 4, (byte) 0);
          case 7 -> {
            long v = wild(rnd, fileSize);
            yield setLong("slot " + slot + " offset := " + v, base + 17, v);
          }
          case 8 -> {
            long v = rnd.nextBoolean() ? -1 - rnd.nextInt(1000) : fileSize + rnd.nextInt(1 << 20);
            yield setLong("slot " + slot + " size := " + v, base + 25, v);
          }
          default -> ociDamage(s, rnd);
        };
      }
    }
  }

  /** Damage inside an OCI-SIF's objects or their stored digests. */
  private static Mutation ociDamage(Sample s, Random rnd) {
    SifDescriptor d = s.objects.get(rnd.nextInt(s.objects.size()));
    if (rnd.nextInt(3) == 0) {
      // A byte of the "sha256:<hex>" text stored in the descriptor's Extra field.
      int slot = slotOf(s, d);
      int at = 4096 + slot * SifDescriptor.SIZE + 201 + 7 + rnd.nextInt(64);
      return flip("digest text of object " + d.id() + " @" + at, at, rnd);
    }
    int at = (int) (d.offset() + rnd.nextInt((int) d.size()));
    String type = d.dataType() == SifCodes.DATA_OCI_ROOT_INDEX ? "RootIndex" : "blob " + d.id();
    return flip("content of " + type + " @" + at, at, rnd);
  }

  private static int slotOf(Sample s, SifDescriptor d) {
    ByteBuffer b = ByteBuffer.wrap(s.bytes).order(ByteOrder.LITTLE_ENDIAN);
    long total = b.getLong(88);
    for (int i = 0; i < total; i++) {
      int base = 4096 + i * SifDescriptor.SIZE;
      if (b.get(base + 4) != 0 && b.getInt(base + 5) == d.id()) {
        return i;
      }
    }
    throw new AssertionError("no slot for object " + d.id());
  }

  private static long wild(Random rnd, long fileSize) {
    return switch (rnd.nextInt(3)) {
      case 0 -> -1 - rnd.nextInt(1 << 30);
      case 1 -> fileSize + 1 + rnd.nextInt(1 << 30);
      default -> Long.MAX_VALUE - rnd.nextInt(1000);
    };
  }

  private static Mutation flip(String what, int at, Random rnd) {
    byte x = (byte) (1 + rnd.nextInt(255));
    return new Mutation(
        what,
        b -> {
          b[at] ^= x;
          return b;
        });
  }

  private static Mutation setByte(String what, int at, byte v) {
    return new Mutation(
        what,
        b -> {
          b[at] = v;
          return b;
        });
  }

  private static Mutation setLong(String what, int at, long v) {
    return new Mutation(
        what,
        b -> {
          ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putLong(at, v);
          return b;
        });
  }

  private static Mutation addLong(String what, int at, long delta) {
    return new Mutation(
        what,
        b -> {
          ByteBuffer bb = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
          bb.putLong(at, bb.getLong(at) + delta);
          return b;
        });
  }
}
