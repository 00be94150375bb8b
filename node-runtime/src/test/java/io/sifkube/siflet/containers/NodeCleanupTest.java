package io.sifkube.siflet.containers;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Emptying a directory without following links out of it; mount points are in HelmNodeIT. */
class NodeCleanupTest {

  @TempDir Path dir;

  @Test
  void emptiesTheDirectoryButKeepsItAndNeverFollowsLinks() throws IOException {
    Path state = Files.createDirectories(dir.resolve("state"));
    Path outside = Files.createDirectories(dir.resolve("outside"));
    Files.writeString(outside.resolve("keep"), "x");
    Files.createDirectories(state.resolve("images/sha256"));
    Files.writeString(state.resolve("images/sha256/abc.sif"), "sif");
    Files.writeString(state.resolve("siflet.lock"), "");
    Files.createSymbolicLink(state.resolve("link"), outside);
    Files.createSymbolicLink(state.resolve("images/dirlink"), outside);

    NodeCleanup.emptyWithinDevice(state);

    assertThat(state).isEmptyDirectory();
    assertThat(outside.resolve("keep")).hasContent("x");
  }

  @Test
  void aMissingDirectoryIsNothingToDo() throws IOException {
    NodeCleanup.emptyWithinDevice(dir.resolve("absent"));
    assertThat(dir.resolve("absent")).doesNotExist();
  }
}
