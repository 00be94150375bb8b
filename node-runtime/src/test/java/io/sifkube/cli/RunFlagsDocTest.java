package io.sifkube.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The SingularityCE parity table of docs/run.md against the option table of run/exec/shell, both
 * ways: what the table says sifctl takes, it takes with the same short form; what it says sifctl
 * does not take, it does not; and every option sifctl takes has a row.
 */
class RunFlagsDocTest {

  private static final Pattern ROW =
      Pattern.compile("^\\| `(--[a-z0-9-]+)` \\| (?:`(-[A-Za-z])`)? \\| ([a-z]+) \\| .*\\|$");

  @Test
  void theParityTableMatchesTheOptions() throws Exception {
    String doc = Files.readString(Path.of("../docs/run.md"));
    int start = doc.indexOf("## SingularityCE 4 parity");
    assertThat(start).as("the parity section of docs/run.md").isPositive();
    int end = doc.indexOf("\n## ", start + 1);
    Map<String, List<String>> byName = new HashMap<>();
    for (String key : RunFlags.TABLE.keys()) {
      for (String n : RunFlags.TABLE.names(key)) {
        byName.put(n, RunFlags.TABLE.names(key));
      }
    }
    Set<String> documented = new HashSet<>();
    int rows = 0;
    for (String line : doc.substring(start, end).lines().toList()) {
      if (!line.startsWith("| `--")) {
        continue;
      }
      Matcher m = ROW.matcher(line);
      assertThat(m.matches()).as("a row of the parity table: %s", line).isTrue();
      rows++;
      String option = m.group(1);
      String shortForm = m.group(2);
      String status = m.group(3);
      assertThat(documented.add(option)).as("%s has one row", option).isTrue();
      List<String> names = byName.get(option);
      switch (status) {
        case "yes", "accepted", "refused", "sifkube" -> {
          assertThat(names).as("sifctl takes %s (%s)", option, status).isNotNull();
          List<String> shorts = names.stream().filter(n -> !n.startsWith("--")).toList();
          assertThat(shorts)
              .as("short form of %s", option)
              .isEqualTo(shortForm == null ? List.of() : List.of(shortForm));
        }
        case "no" -> assertThat(names).as("sifctl does not take %s", option).isNull();
        default -> throw new AssertionError("unknown status " + status + " of " + option);
      }
    }
    assertThat(rows).isGreaterThan(80);
    for (String name : byName.keySet()) {
      if (name.startsWith("--")) {
        assertThat(documented).as("%s has a row in docs/run.md", name).contains(name);
      }
    }
  }
}
