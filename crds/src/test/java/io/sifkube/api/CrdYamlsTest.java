package io.sifkube.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CRD YAMLs committed in {@code crds/} are what the model generates. After changing the model,
 * regenerate them with {@code SIFKUBE_UPDATE_CRDS=1 mvn -pl crds test}.
 */
class CrdYamlsTest {

  @TempDir Path out;

  @Test
  void committedCrdsMatchTheModel() throws Exception {
    CrdYamls.generate(out);
    Path committed = Path.of(System.getProperty("user.dir")); // the crds module
    List<Path> generated;
    try (Stream<Path> s = Files.list(out)) {
      generated = s.sorted().toList();
    }
    assertThat(generated).hasSize(3);
    boolean update = "1".equals(System.getenv("SIFKUBE_UPDATE_CRDS"));
    for (Path g : generated) {
      Path c = committed.resolve(g.getFileName());
      if (update) {
        Files.copy(g, c, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        // the Helm chart ships the same CRDs (ChartTest checks they are equal)
        Files.copy(
            g,
            committed.resolve("../charts/sifkube/crds").resolve(g.getFileName()),
            java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      }
      assertThat(c).as("committed %s", c.getFileName()).exists();
      assertThat(Files.readString(c))
          .as("%s is stale: run SIFKUBE_UPDATE_CRDS=1 mvn -pl crds test", c.getFileName())
          .isEqualTo(Files.readString(g));
    }
  }

  @Test
  void printerColumnsAndDescriptionsAreThere() throws Exception {
    CrdYamls.generate(out);
    String runs = Files.readString(out.resolve("sifruns.sifkube.io-v1.yml"));
    assertThat(runs.indexOf("name: PHASE")).isLessThan(runs.indexOf("name: NODE")).isGreaterThan(0);
    assertThat(runs.indexOf("name: NODE")).isLessThan(runs.indexOf("name: EXIT"));
    assertThat(runs.indexOf("name: EXIT")).isLessThan(runs.indexOf("name: ATTEMPTS"));
    assertThat(runs.indexOf("name: ATTEMPTS")).isLessThan(runs.indexOf("name: AGE"));
    assertThat(runs).contains("shortNames:\n    - sr").contains("status: {}");
    // every field of the spec says what it is, so `kubectl explain sifrun.spec` is useful
    long properties = runs.lines().filter(l -> l.matches(" {14}[a-zA-Z]+:$")).count();
    assertThat(properties).isGreaterThan(20);
    assertThat(Files.readString(out.resolve("sifnodes.sifkube.io-v1.yml")))
        .contains("scope: Cluster");
  }
}
