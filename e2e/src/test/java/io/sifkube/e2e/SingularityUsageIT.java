package io.sifkube.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * e2e/src/test/sh/singularity-usage.sh: sifctl used as SingularityCE's documentation uses {@code
 * singularity exec|run --oci}, every check with SingularityCE's outcome.
 */
class SingularityUsageIT {

  @TempDir Path tmp;

  @Test
  void sifctlAnswersSingularityCommandLinesAsSingularityDoes() throws Exception {
    assertThat(Launcher.isRoot()).as("runs as root, as the script's cgroup checks need").isTrue();
    Launcher.letCrunRun();
    Path image = RunIT.busyboxImage(tmp);
    Launcher.Result r =
        Launcher.exec(
            List.of(
                "bash",
                Launcher.repoRoot().resolve("e2e/src/test/sh/singularity-usage.sh").toString(),
                Launcher.repoRoot().resolve("bin/sifctl").toString(),
                image.toString(),
                tmp.resolve("work").toString()));
    assertThat(r.out()).doesNotContain("FAIL");
    assertThat(r.out().lines().filter(l -> l.startsWith("ok ")).count()).isEqualTo(20);
    assertThat(r.status()).as(r.out() + r.err()).isZero();
  }
}
