package io.sifkube.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.sifkube.json.Json;
import io.sifkube.sys.SeccompBpf;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The compiled-filter cache, against the host's libseccomp. */
class SeccompFiltersTest {

  @TempDir Path tmp;

  private static final String PROFILE =
      "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"architectures\":[\"SCMP_ARCH_X86_64\"],"
          + "\"syscalls\":[{\"names\":[\"getpid\",\"exit_group\"],\"action\":\"SCMP_ACT_ALLOW\"}]}";

  private static String keyed(JsonNode profile) {
    return "2.5.4\n" + new String(Json.bytes(profile), StandardCharsets.UTF_8);
  }

  private List<Path> files(Path dir) throws Exception {
    try (var s = Files.list(dir)) {
      return s.toList();
    }
  }

  @Test
  void aProgramIsCompiledOnceAndKeptWithTheProfileItCompiles() throws Exception {
    JsonNode profile = Json.read(PROFILE);
    Path dir = tmp.resolve("cache");
    byte[] first = SeccompFilters.cached(profile, keyed(profile), dir);
    assertThat(first).isEqualTo(SeccompBpf.compile(profile));
    List<Path> kept = files(dir);
    assertThat(kept).hasSize(1);
    byte[] record = Files.readAllBytes(kept.get(0));
    byte[] key = keyed(profile).getBytes(StandardCharsets.UTF_8);
    assertThat(Arrays.copyOf(record, key.length))
        .as("the record begins with its key")
        .isEqualTo(key);
    assertThat(Arrays.copyOfRange(record, key.length, record.length)).isEqualTo(first);
    // The next run takes the program from the record, whatever it holds: one instruction here.
    byte[] retAllow = {0x06, 0, 0, 0, 0, 0, (byte) 0xff, 0x7f};
    byte[] planted = Arrays.copyOf(key, key.length + 8);
    System.arraycopy(retAllow, 0, planted, key.length, 8);
    Files.write(kept.get(0), planted);
    assertThat(SeccompFilters.cached(profile, keyed(profile), dir)).isEqualTo(retAllow);
  }

  @Test
  void aRecordOfAnotherProfileUnderTheSameNameIsNeverTaken() throws Exception {
    JsonNode profile = Json.read(PROFILE);
    Path dir = tmp.resolve("cache");
    byte[] program = SeccompFilters.cached(profile, keyed(profile), dir);
    Path file = files(dir).get(0);
    // What a CRC-32 collision would leave there: another key of the same length, another program.
    byte[] other = Files.readAllBytes(file);
    other[0] = (byte) '9';
    Arrays.fill(other, other.length - 8, other.length, (byte) 0);
    Files.write(file, other);
    assertThat(SeccompFilters.cached(profile, keyed(profile), dir)).isEqualTo(program);
    byte[] record = Files.readAllBytes(file);
    assertThat(record[0]).as("the record was replaced").isEqualTo((byte) '2');
    // A torn record (not whole instructions) is compiled again too.
    Files.write(file, Arrays.copyOf(record, record.length - 3));
    assertThat(SeccompFilters.cached(profile, keyed(profile), dir)).isEqualTo(program);
  }
}
