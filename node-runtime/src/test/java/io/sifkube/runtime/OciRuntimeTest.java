package io.sifkube.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class OciRuntimeTest {

  private static final String V1 =
      "35 31 0:31 / /sys/fs/cgroup/memory rw,relatime shared:14 - cgroup cgroup rw,memory";

  @Test
  void hybridHostWithV2ControllersIsACrunProblemNamingTheFix() {
    List<String> mi =
        List.of(V1, "41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw");
    Map<Path, String> files =
        Map.of(Path.of("/sys/fs/cgroup/unified/cgroup.controllers"), "hugetlb\n");
    assertThat(OciRuntime.crunHostProblem(mi, p -> files.getOrDefault(p, "")))
        .hasValueSatisfying(
            why ->
                assertThat(why)
                    .contains("hybrid mode")
                    .contains("/sys/fs/cgroup/unified holds controllers (hugetlb)")
                    .contains("mount -t cgroup -o hugetlb cgroup /sys/fs/cgroup/hugetlb"));
  }

  @Test
  void unifiedOrControllerFreeHostsAreFine() {
    List<String> unified = List.of("30 1 0:26 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw");
    assertThat(OciRuntime.crunHostProblem(unified, p -> "cpu memory pids")).isEmpty();
    List<String> hybridEmpty =
        List.of(V1, "41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw");
    assertThat(OciRuntime.crunHostProblem(hybridEmpty, p -> "")).isEmpty();
  }

  @Test
  void withoutASealedCopyTheInstalledBinaryIsUsedAndTheReasonNoted() {
    OciRuntime rt = new OciRuntime("crun", Path.of("/nonexistent/crun"), Path.of("/run/x"));
    List<String> notes = new java.util.ArrayList<>();
    assertThat(rt.sealed(notes::add)).isSameAs(rt);
    assertThat(notes)
        .singleElement()
        .asString()
        .contains("/nonexistent/crun")
        .contains("no sealed copy");
  }
}
