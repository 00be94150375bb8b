package io.sifkube.siflet.containers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sifkube.mount.Mounter;
import io.sifkube.runtime.ContainerException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SharedLayersTest {

  @TempDir Path tmp;
  private final List<String> calls = new ArrayList<>();
  private boolean failMount;
  private Path sif;
  private Path other;
  private SharedLayers layers;

  /** Records what would be mounted; mounts nothing. */
  private final Mounter mounter =
      new Mounter() {
        @Override
        public void squashfs(Path file, long offset, long size, Path target) throws IOException {
          if (failMount) {
            throw new ContainerException("no loop devices");
          }
          calls.add("mount " + file.getFileName() + "@" + offset + " " + target.getFileName());
        }

        @Override
        public void ext3(Path file, Path target, boolean readOnly) {}

        @Override
        public boolean scratch(Path target) {
          return false;
        }

        @Override
        public void overlay(List<Path> lower, Path upper, Path work, Path target) {}

        @Override
        public void unmount(Path target) {
          calls.add("umount " + target.getFileName());
        }
      };

  @BeforeEach
  void setUp() throws IOException {
    sif = Files.writeString(tmp.resolve("a.sif"), "image a");
    other = Files.writeString(tmp.resolve("b.sif"), "image b");
    layers = new SharedLayers(tmp.resolve("layers"), mounter, calls::add);
  }

  @Test
  void containersOfOneImageShareOneMountThatOutlivesThemUntilIdleLongEnough() throws Exception {
    Path one = layers.lower(sif, 4096, 100, tmp.resolve("bundles/one"));
    Path two = layers.lower(sif, 4096, 100, tmp.resolve("bundles/two"));
    assertThat(two).isEqualTo(one);
    assertThat(calls).hasSize(1).allMatch(c -> c.startsWith("mount a.sif@4096"));
    assertThat(Files.readString(one.resolveSibling(one.getFileName() + ".source")).trim())
        .isEqualTo(sif.toRealPath().toString());
    assertThat(layers.lower(other, 4096, 100, tmp.resolve("bundles/three")))
        .as("another file, another mount")
        .isNotEqualTo(one);
    assertThat(layers.lower(sif, 8192, 100, tmp.resolve("bundles/four")))
        .as("another layer of the same file")
        .isNotEqualTo(one);

    layers.release(tmp.resolve("bundles/one"));
    assertThat(layers.usage()).containsEntry(one, 1);
    layers.release(tmp.resolve("bundles/two"));
    assertThat(layers.usage()).containsEntry(one, 0);
    long now = System.currentTimeMillis();
    layers.sweepIdle(now);
    assertThat(calls).noneMatch(c -> c.startsWith("umount"));
    layers.sweepIdle(now + SharedLayers.IDLE_MILLIS + 1);
    assertThat(calls).contains("umount " + one.getFileName());
    assertThat(layers.usage()).doesNotContainKey(one).hasSize(2);
    assertThat(one).doesNotExist();
  }

  @Test
  void aReplacedFileGetsANewMount() throws Exception {
    Path first = layers.lower(sif, 0, 7, tmp.resolve("bundles/one"));
    Files.delete(sif);
    Files.writeString(sif, "image A, rebuilt");
    assertThat(layers.lower(sif, 0, 7, tmp.resolve("bundles/two"))).isNotEqualTo(first);
  }

  @Test
  void forgettingAnImageUnmountsItsUnusedLayersOnly() throws Exception {
    Path a = layers.lower(sif, 0, 7, tmp.resolve("bundles/one"));
    Path b = layers.lower(other, 0, 7, tmp.resolve("bundles/two"));
    layers.release(tmp.resolve("bundles/one"));
    layers.forget(sif);
    layers.forget(other); // still used by two: stays
    assertThat(calls)
        .contains("umount " + a.getFileName())
        .doesNotContain("umount " + b.getFileName());
    assertThat(layers.usage()).containsOnlyKeys(b);
    layers.release(tmp.resolve("bundles/two"));
    layers.unmountUnused();
    assertThat(layers.usage()).isEmpty();
  }

  @Test
  void aFailedMountLeavesNothingAndIsNotRemembered() throws Exception {
    failMount = true;
    assertThatThrownBy(() -> layers.lower(sif, 0, 7, tmp.resolve("bundles/one")))
        .hasMessageContaining("no loop devices");
    try (var s = Files.list(tmp.resolve("layers"))) {
      assertThat(s).isEmpty();
    }
    failMount = false;
    layers.lower(sif, 0, 7, tmp.resolve("bundles/one"));
    assertThat(calls).filteredOn(c -> c.startsWith("mount")).hasSize(1);
  }

  @Test
  void recoveryRemovesLayerDirectoriesThatAreNotMounted() throws Exception {
    Path stale = Files.createDirectories(tmp.resolve("layers/0123456789abcdef01234567"));
    Files.writeString(tmp.resolve("layers/0123456789abcdef01234567.source"), sif + "\n");
    layers.recover(tmp.resolve("bundles"));
    assertThat(stale).doesNotExist();
    assertThat(tmp.resolve("layers/0123456789abcdef01234567.source")).doesNotExist();
    assertThat(layers.usage()).isEmpty();
  }
}
