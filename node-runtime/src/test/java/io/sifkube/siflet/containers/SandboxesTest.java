package io.sifkube.siflet.containers;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SandboxesTest {

  @TempDir Path state;

  /** A sandbox directory as a siflet that died left it: its holder is long gone. */
  private Path leftover(String key) throws Exception {
    Path d = Files.createDirectories(state.resolve("sandboxes").resolve(key).resolve("shm"));
    // a PID above pid_max: no process has it
    Files.writeString(d.getParent().resolve("pids"), "4194305 4194306\n");
    return d.getParent();
  }

  @Test
  void aRestartCleansUpSandboxesNoContainerHoldsOrWhoseHolderIsGone() throws Exception {
    Path unwanted = leftover("sr-old-1");
    Path deadHolder = leftover("sr-live-2");
    List<String> log = new ArrayList<>();
    new Sandboxes(state, log::add, pid -> {}).recover(Map.of("sr-live-2", 2L));
    assertThat(unwanted).doesNotExist();
    assertThat(deadHolder).as("its holder is gone: nothing to adopt").doesNotExist();
    assertThat(log)
        .contains(
            "removing sandbox sr-old-1: no container holds it",
            "removing sandbox sr-live-2: its holder is gone (so are the containers in it)");
  }

  @Test
  void aStateDirectoryWithoutSandboxesIsNoError() throws Exception {
    new Sandboxes(state, m -> {}, pid -> {}).recover(Map.of());
    assertThat(state.resolve("sandboxes")).doesNotExist();
  }
}
