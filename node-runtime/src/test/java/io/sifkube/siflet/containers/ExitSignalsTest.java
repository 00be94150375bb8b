package io.sifkube.siflet.containers;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ExitSignalsTest {

  @TempDir Path tmp;

  @Test
  void anExitFileWakesTheWaiterLongBeforeItsTimeout() throws Exception {
    ExitSignals signals = new ExitSignals();
    Path exits = Files.createDirectories(tmp.resolve("c1/exits"));
    signals.watch("c1", exits);
    CompletableFuture<Long> waited =
        CompletableFuture.supplyAsync(
            () -> {
              long t0 = System.nanoTime();
              try {
                signals.await(60_000);
              } catch (InterruptedException e) {
                throw new IllegalStateException(e);
              }
              return TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - t0);
            });
    Thread.sleep(200);
    Files.writeString(exits.resolve("c1"), "0");
    assertThat(waited.get(30, TimeUnit.SECONDS)).isLessThan(30);
  }

  @Test
  void anUnwatchedContainerNoLongerWakesIt() throws Exception {
    ExitSignals signals = new ExitSignals();
    Path exits = Files.createDirectories(tmp.resolve("c2/exits"));
    signals.watch("c2", exits);
    signals.unwatch("c2");
    Files.writeString(exits.resolve("c2"), "0");
    long t0 = System.nanoTime();
    signals.await(300);
    assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)).isGreaterThanOrEqualTo(250);
  }
}
