package io.sifkube.image.pull;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class SourceSpecsTest {

  @Test
  void sourcesAreToldFromFileNames() {
    assertThat(SourceSpecs.isSource("docker://busybox:1")).isTrue();
    assertThat(SourceSpecs.isSource("oci-archive:/tmp/a.tar:v1")).isTrue();
    assertThat(SourceSpecs.isSource("docker-daemon:app:latest")).isTrue();
    assertThat(SourceSpecs.isSource("img:v1.sif")).isFalse();
    assertThat(SourceSpecs.isSource("/data/oci:dir")).isFalse();
  }

  /**
   * bin/sifctl gives a command line the pull libraries only when an argument matches its pattern of
   * pull sources; a prefix the pattern missed would start a pull without them.
   */
  @Test
  void theLaunchersPatternCoversEverySourcePrefix() throws Exception {
    String launcher = Files.readString(Path.of("..", "bin", "sifctl"));
    String line =
        launcher
            .lines()
            .filter(l -> l.contains("*://*") && l.strip().endsWith(")"))
            .findFirst()
            .orElseThrow(() -> new AssertionError("no pull-source pattern in bin/sifctl"));
    List<String> alternatives =
        Arrays.stream(line.strip().replaceAll("\\)$", "").split("\\|")).map(String::strip).toList();
    for (String prefix : SourceSpecs.PREFIXES) {
      assertThat(alternatives)
          .as("bin/sifctl's pattern for %s", prefix)
          .contains(prefix.endsWith("://") ? "*://*" : prefix + "*");
    }
  }
}
