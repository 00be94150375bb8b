package io.sifkube.image.squash;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.Random;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;

/**
 * Both inflaters give the same bytes and refuse the same damage (igzip: ISA-L, installed by CI).
 */
class GunzipTest {

  private static final Gunzip IGZIP = new Gunzip.IgzipProcess("igzip");

  private static byte[] gzip(byte[] data) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
      gz.write(data);
    }
    return out.toByteArray();
  }

  /** Two gzip members back to back, as pigz and umoci's pgzip write them. */
  private static byte[] twoMembers(byte[] a, byte[] b) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(gzip(a));
    out.write(gzip(b));
    return out.toByteArray();
  }

  private static byte[] read(Gunzip g, byte[] compressed) throws IOException {
    try (InputStream in = g.open(new ByteArrayInputStream(compressed))) {
      return in.readAllBytes();
    }
  }

  @Test
  void bothInflatersReadEveryMember() throws Exception {
    byte[] a = new byte[3 << 20];
    new Random(1).nextBytes(a);
    byte[] b = "the second member".getBytes();
    byte[] both = twoMembers(a, b);
    byte[] expected = new byte[a.length + b.length];
    System.arraycopy(a, 0, expected, 0, a.length);
    System.arraycopy(b, 0, expected, a.length, b.length);
    assertThat(read(IGZIP, both)).isEqualTo(expected);
    assertThat(read(Gunzip.JDK, both)).isEqualTo(expected);
  }

  @Test
  void truncatedAndCorruptStreamsAreErrorsNotShortLayers() throws Exception {
    byte[] data = new byte[2 << 20];
    new Random(2).nextBytes(data);
    byte[] gz = gzip(data);
    byte[] truncated = Arrays.copyOf(gz, gz.length / 2);
    byte[] corrupt = gz.clone();
    corrupt[gz.length - 5] ^= 0x40; // in the CRC/size trailer
    for (byte[] bad : new byte[][] {truncated, corrupt}) {
      assertThatThrownBy(() -> read(IGZIP, bad))
          .isInstanceOf(IOException.class)
          .hasMessageContaining("not a valid gzip stream (igzip exit status");
      assertThatThrownBy(() -> read(Gunzip.JDK, bad)).isInstanceOf(IOException.class);
    }
  }

  @Test
  void aFailedReadOfTheBlobIsTheErrorTheReaderGets() throws Exception {
    byte[] data = new byte[1 << 20];
    new Random(4).nextBytes(data);
    byte[] gz = gzip(data);
    // A valid start, then the blob's download fails: igzip sees a cut stream, the reader the cause.
    InputStream failing =
        new InputStream() {
          private int pos;

          @Override
          public int read() throws IOException {
            if (pos == gz.length / 2) {
              throw new IOException("blob sha256:abc: digest mismatch");
            }
            return gz[pos++] & 0xff;
          }
        };
    assertThatThrownBy(
            () -> {
              try (InputStream in = IGZIP.open(failing)) {
                in.readAllBytes();
              }
            })
        .hasMessage("blob sha256:abc: digest mismatch");
  }

  @Test
  void closingEarlyStopsTheProcess() throws Exception {
    byte[] data = new byte[8 << 20];
    byte[] gz = gzip(data);
    InputStream in = IGZIP.open(new ByteArrayInputStream(gz));
    assertThat(in.read(new byte[10])).isPositive();
    in.close();
    // A second open still works: nothing was left holding a shared resource.
    assertThat(read(IGZIP, gzip("x".getBytes()))).isEqualTo("x".getBytes());
  }
}
