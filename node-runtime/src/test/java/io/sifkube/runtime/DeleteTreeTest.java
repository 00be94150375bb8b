package io.sifkube.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DeleteTreeTest {

  @TempDir Path tmp;

  @Test
  void deletesNestedFilesAndDirectoriesButNotWhatSymlinksPointTo() throws Exception {
    Path outside = Files.createDirectories(tmp.resolve("host"));
    Files.writeString(outside.resolve("keep"), "x");
    Path bundle = Files.createDirectories(tmp.resolve("bundle/rootfs/etc"));
    Files.writeString(bundle.resolve("hosts"), "127.0.0.1 localhost\n");
    Files.createSymbolicLink(tmp.resolve("bundle/rootfs/host"), outside);
    Files.createSymbolicLink(tmp.resolve("bundle/dangling"), tmp.resolve("nowhere"));
    Files.writeString(tmp.resolve("bundle/config.json"), "{}");

    ContainerLauncher.deleteTree(tmp.resolve("bundle"));

    assertThat(tmp.resolve("bundle")).doesNotExist();
    assertThat(outside.resolve("keep")).hasContent("x");
  }

  @Test
  void aMissingDirectoryIsNothingToDo() throws Exception {
    ContainerLauncher.deleteTree(tmp.resolve("absent"));
    assertThat(tmp.resolve("absent")).doesNotExist();
  }
}
