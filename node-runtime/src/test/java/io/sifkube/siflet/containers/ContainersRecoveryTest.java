package io.sifkube.siflet.containers;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.sifkube.spec.RunOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A restarted siflet rebuilds the view of containers that lived on (containerd's restart test). */
class ContainersRecoveryTest {

  @TempDir Path dir;

  private static RunOptions opts() {
    return RunOptions.of(false, List.of("true"));
  }

  @Test
  void aRestartAdoptsSettlesAndUndoes() throws Exception {
    Path state = dir.resolve("state");
    FakeBackend backend = new FakeBackend(Files.createDirectories(dir.resolve("logs")));
    Path sif = Files.writeString(dir.resolve("x.sif"), "x");
    try (Containers before = new Containers(state, backend, m -> {})) {
      for (String id : List.of("created", "running", "exitedMeanwhile", "lost", "exitedBefore")) {
        before.create(id, "img", sif, opts(), Map.of("k", id));
      }
      for (String id : List.of("running", "exitedMeanwhile", "lost", "exitedBefore")) {
        before.start(id);
      }
      before.stop("exitedBefore", 0);
    }
    // While siflet is down: one container exits, the monitor of another vanishes, a creation
    // was cut short, and the host holds a container siflet has no record of.
    backend.boxes.get("exitedMeanwhile").exit = 5;
    backend.boxes.get("lost").monitorAlive = false;
    Files.write(
        state.resolve("records/halfMade.json"),
        new ObjectMapper()
            .writeValueAsBytes(
                new ContainerRecord(
                    "halfMade",
                    "img",
                    Map.of(),
                    ContainerRecord.CREATING,
                    1,
                    0,
                    0,
                    0,
                    "",
                    "",
                    List.of(),
                    "")));
    backend.boxes.put("halfMade", new FakeBackend.Box());
    backend.boxes.put("stranger", new FakeBackend.Box());

    List<String> log = new java.util.ArrayList<>();
    try (Containers after = new Containers(state, backend, log::add)) {
      after.recover();
      assertThat(after.get("created").orElseThrow().state()).isEqualTo(ContainerRecord.CREATED);
      assertThat(after.get("running").orElseThrow().state()).isEqualTo(ContainerRecord.RUNNING);
      ContainerRecord meanwhile = after.get("exitedMeanwhile").orElseThrow();
      assertThat(meanwhile.state()).isEqualTo(ContainerRecord.EXITED);
      assertThat(meanwhile.exitCode()).isEqualTo(5);
      assertThat(meanwhile.reason()).isEqualTo("Error");
      assertThat(backend.boxes.get("exitedMeanwhile").released).isTrue();
      ContainerRecord lost = after.get("lost").orElseThrow();
      assertThat(lost.state()).isEqualTo(ContainerRecord.UNKNOWN);
      assertThat(lost.reason()).isEqualTo("Lost");
      ContainerRecord before = after.get("exitedBefore").orElseThrow();
      assertThat(before.exitCode()).isEqualTo(137);
      assertThat(before.labels()).containsEntry("k", "exitedBefore");
      assertThat(after.get("halfMade")).isEmpty();
      assertThat(Files.exists(state.resolve("records/halfMade.json"))).isFalse();
      assertThat(backend.deleted).containsExactlyInAnyOrder("halfMade", "stranger");
      assertThat(log).anyMatch(l -> l.contains("exited while siflet was down"));

      // The adopted ones can still be stopped and removed.
      after.stop("running", 1);
      assertThat(after.get("running").orElseThrow().exitCode()).isEqualTo(143);
      after.remove("created");
      assertThat(after.get("created")).isEmpty();
    }
  }
}
