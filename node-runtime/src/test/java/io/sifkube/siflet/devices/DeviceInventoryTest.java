package io.sifkube.siflet.devices;

import static org.assertj.core.api.Assertions.assertThat;

import io.sifkube.cdi.Inventory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The live inventory: inotify, the rescan before refusing, directories that come later. */
class DeviceInventoryTest {

  @TempDir Path tmp;

  static String spec(String name) {
    return "cdiVersion: 0.3.0\nkind: example.com/dev\ndevices:\n- name: "
        + name
        + "\n  containerEdits: {env: [DEV="
        + name
        + "]}\n";
  }

  @Test
  void specFilesWrittenRenamedAndRemovedAreSeenWithinASecondWithoutTheTimer() throws Exception {
    Path run = Files.createDirectories(tmp.resolve("run"));
    BlockingQueue<Inventory> changes = new LinkedBlockingQueue<>();
    try (DeviceInventory inv = new DeviceInventory(List.of(run), m -> {})) {
      inv.onChange(changes::add);
      inv.start();
      assertThat(inv.current().devices()).isEmpty();
      assertThat(changes).as("no change to tell of").isEmpty();

      // The timer scans every 5 s: a change seen in well under that came through inotify.
      Path tmpFile = run.resolve("spec.1.tmp");
      Files.writeString(tmpFile, spec("a"));
      Files.move(tmpFile, run.resolve("dev.yaml"), StandardCopyOption.ATOMIC_MOVE);
      long t0 = System.nanoTime();
      Inventory next = changes.poll(DeviceInventory.SCAN_SECONDS - 1, TimeUnit.SECONDS);
      assertThat(next).as("a change within %d s", DeviceInventory.SCAN_SECONDS - 1).isNotNull();
      assertThat(next.devices()).containsOnlyKeys("example.com/dev=a");
      assertThat(System.nanoTime() - t0).isLessThan(TimeUnit.SECONDS.toNanos(1));

      Files.writeString(run.resolve("dev.yaml"), "cdiVersion: nope\n");
      Inventory broken = changes.poll(DeviceInventory.SCAN_SECONDS - 1, TimeUnit.SECONDS);
      assertThat(broken.devices()).isEmpty();
      assertThat(broken.errors())
          .singleElement()
          .satisfies(e -> assertThat(e.path()).endsWith("dev.yaml"));

      Files.writeString(run.resolve("dev.yaml"), spec("b"));
      assertThat(changes.poll(DeviceInventory.SCAN_SECONDS - 1, TimeUnit.SECONDS).devices())
          .containsOnlyKeys("example.com/dev=b");
      Files.delete(run.resolve("dev.yaml"));
      assertThat(changes.poll(DeviceInventory.SCAN_SECONDS - 1, TimeUnit.SECONDS).devices())
          .isEmpty();
    }
  }

  @Test
  void aDirectoryMadeAfterTheStartIsWatchedFromTheNextScan() throws Exception {
    Path later = tmp.resolve("later");
    BlockingQueue<Inventory> changes = new LinkedBlockingQueue<>();
    try (DeviceInventory inv = new DeviceInventory(List.of(later), m -> {})) {
      inv.onChange(changes::add);
      inv.start();
      Files.createDirectories(later);
      Files.writeString(later.resolve("dev.yaml"), spec("c"));
      Inventory next = changes.poll(DeviceInventory.SCAN_SECONDS * 2 + 2, TimeUnit.SECONDS);
      assertThat(next.devices()).containsOnlyKeys("example.com/dev=c");
    }
  }

  @Test
  void aNameNotYetSeenIsLookedForAgainBeforeItIsRefused() throws Exception {
    Path run = Files.createDirectories(tmp.resolve("run"));
    // Not started: no watcher, no timer; only the request's own rescan can find the file.
    try (DeviceInventory inv = new DeviceInventory(List.of(run), m -> {})) {
      assertThat(inv.current().devices()).isEmpty();
      Files.writeString(run.resolve("claim-1234.yaml"), spec("d"));
      assertThat(inv.resolve(List.of("example.com/dev=d")).devices())
          .singleElement()
          .satisfies(d -> assertThat(d.specPath()).endsWith("claim-1234.yaml"));
    }
  }
}
