package io.sifkube.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PidsTest {

  @Test
  void selfIsThisProcessAndAliveTellsExistingFromGone() throws Exception {
    assertThat(Pids.self()).isEqualTo(ProcessHandle.current().pid());
    assertThat(Pids.alive(Pids.self())).isTrue();
    Process p = new ProcessBuilder("true").start();
    long pid = p.pid();
    p.waitFor(); // reaped: its /proc entry is gone
    assertThat(Pids.alive(pid)).isFalse();
    assertThat(Pids.alive(-1)).isFalse();
    assertThat(Pids.alive(0)).isFalse();
  }

  @Test
  void newIdsAreDistinctAndFixedLength() {
    Set<String> ids = new HashSet<>();
    for (int i = 0; i < 10_000; i++) {
      String id = Pids.newId("sifctl-");
      assertThat(id).matches("sifctl-[0-9a-f]{32}");
      ids.add(id);
    }
    assertThat(ids).hasSize(10_000);
  }
}
