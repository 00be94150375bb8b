package io.sifkube.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The {@code sifctl oci} lifecycle under conmon, with the real runtime, as root. */
class OciIT {

  @TempDir static Path shared;
  private static Path image;

  @TempDir Path tmp;

  @BeforeAll
  static void build() throws Exception {
    assertThat(Launcher.isRoot()).as("the oci commands need root").isTrue();
    image = RunIT.busyboxImage(shared);
  }

  private static JsonNode state(String id) throws Exception {
    return new ObjectMapper().readTree(Launcher.sifctl("oci", "state", id).ok().out());
  }

  private static JsonNode awaitStatus(String id, String status) throws Exception {
    for (int i = 0; i < 200; i++) {
      JsonNode s = state(id);
      if (s.path("status").asText().equals(status)) {
        return s;
      }
      Thread.sleep(50);
    }
    throw new AssertionError("container " + id + " never reached " + status + ": " + state(id));
  }

  @Test
  void mountCreateStartStateKillDeleteUmount() throws Exception {
    Path bundle = tmp.resolve("bundle");
    Launcher.sifctl("oci", "mount", image.toString(), bundle.toString()).ok();
    assertThat(bundle.resolve("config.json")).isRegularFile();
    assertThat(bundle.resolve("rootfs/bin/busybox")).isRegularFile();
    assertThat(bundle.resolve("overlay")).isDirectory();
    assertThat(bundle.resolve("volumes")).isDirectory();

    // The image's command runs to completion; its output and exit code outlive sifctl.
    String id = "oci-it-" + System.nanoTime();
    Launcher.sifctl("oci", "create", "-b", bundle.toString(), id).ok();
    JsonNode created = state(id);
    assertThat(created.path("status").asText()).isEqualTo("created");
    assertThat(created.path("pid").asLong()).isPositive();
    assertThat(created.path("bundle").asText()).isEqualTo(bundle.toString());
    Launcher.sifctl("oci", "start", id).ok();
    assertThat(awaitStatus(id, "stopped").path("exitCode").asInt()).isZero();
    assertThat(Files.readString(Path.of("/run/sifkube/oci", id, "container.log")))
        .contains("stdout F default bar");
    Launcher.sifctl("oci", "delete", id).ok();
    Launcher.Result gone = Launcher.sifctl("oci", "state", id);
    assertThat(gone.status()).isEqualTo(1);
    assertThat(gone.err()).contains(id);

    // A long-running container keeps running after sifctl exits, and dies by kill.
    ObjectNode config =
        (ObjectNode) new ObjectMapper().readTree(bundle.resolve("config.json").toFile());
    ((ObjectNode) config.path("process")).putArray("args").add("/bin/sleep").add("300");
    new ObjectMapper().writeValue(bundle.resolve("config.json").toFile(), config);
    String sleeper = id + "-sleep";
    Launcher.sifctl("oci", "create", "-b", bundle.toString(), sleeper).ok();
    Launcher.sifctl("oci", "start", sleeper).ok();
    long pid = awaitStatus(sleeper, "running").path("pid").asLong();
    assertThat(pid).isPositive();
    // SingularityCE's other verbs: exec, pause/resume, update of the limits
    Launcher.Result exec = Launcher.sifctl("oci", "exec", sleeper, "sh", "-c", "echo in; exit 3");
    assertThat(exec.status()).isEqualTo(3);
    assertThat(exec.out()).isEqualTo("in\n");
    Launcher.sifctl("oci", "pause", sleeper).ok();
    assertThat(awaitStatus(sleeper, "paused").path("pid").asLong()).isEqualTo(pid);
    Launcher.sifctl("oci", "resume", sleeper).ok();
    awaitStatus(sleeper, "running");
    Path limits = Files.writeString(tmp.resolve("limits.json"), "{\"pids\":{\"limit\":42}}");
    Launcher.sifctl("oci", "update", "--from-file", limits.toString(), sleeper).ok();
    String pids =
        Files.readAllLines(Path.of("/proc/" + pid + "/cgroup")).stream()
            .filter(l -> l.matches("\\d+:pids:.*"))
            .map(l -> l.substring(l.lastIndexOf(':') + 1))
            .findFirst()
            .orElseThrow();
    assertThat(Files.readString(Path.of("/sys/fs/cgroup/pids" + pids + "/pids.max")).strip())
        .isEqualTo("42");
    assertThat(
            Launcher.sifctl("oci", "update", "-r", tmp.resolve("none.json").toString(), sleeper)
                .err())
        .contains("none.json: no such resources file");
    Launcher.sifctl("oci", "kill", sleeper, "KILL").ok();
    assertThat(awaitStatus(sleeper, "stopped").path("exitCode").asInt()).isEqualTo(137);
    Launcher.sifctl("oci", "delete", sleeper).ok();

    Launcher.sifctl("oci", "umount", bundle.toString()).ok();
    assertThat(Files.readString(Path.of("/proc/self/mountinfo"))).doesNotContain(bundle.toString());
    try (var left = Files.list(bundle)) {
      assertThat(left.map(p -> p.getFileName().toString())).containsExactly("volumes");
    }
  }

  @Test
  void runFollowsTheOutputAndReturnsTheExitCode() throws Exception {
    Path bundle = tmp.resolve("b2");
    Launcher.sifctl("oci", "mount", image.toString(), bundle.toString()).ok();
    try {
      Launcher.Result r =
          Launcher.sifctl("oci", "run", "-b", bundle.toString(), "oci-run-" + System.nanoTime());
      assertThat(r.ok().out()).isEqualTo("default bar\n");
      Launcher.Result bad =
          Launcher.sifctl("oci", "create", "-b", tmp.resolve("nope").toString(), "x1");
      assertThat(bad.status()).isEqualTo(1);
      assertThat(bad.err()).contains("has no config.json");
      assertThat(Launcher.sifctl("oci", "create", "-b", bundle.toString(), "bad/id").err())
          .contains("invalid container ID \"bad/id\"");

      // A container the runtime cannot create fails at once, with the runtime's reason.
      ObjectNode config =
          (ObjectNode) new ObjectMapper().readTree(bundle.resolve("config.json").toFile());
      ((ObjectNode) config.path("process")).putArray("args").add("/nope/missing");
      new ObjectMapper().writeValue(bundle.resolve("config.json").toFile(), config);
      String id = "oci-bad-" + System.nanoTime();
      Launcher.Result failed = Launcher.sifctl("oci", "create", "-b", bundle.toString(), id);
      assertThat(failed.status()).isEqualTo(1);
      assertThat(failed.err())
          .contains("creating container " + id + " failed")
          .contains("/nope/missing");
      assertThat(Path.of("/run/sifkube/oci", id)).doesNotExist();
    } finally {
      Launcher.sifctl("oci", "umount", bundle.toString()).ok();
    }
  }

  @Test
  void attachFollowsBothStreamsAndReturnsTheExitCode() throws Exception {
    Path bundle = tmp.resolve("b3");
    Launcher.sifctl("oci", "mount", image.toString(), bundle.toString()).ok();
    String id = "oci-attach-" + System.nanoTime();
    try {
      ObjectNode config =
          (ObjectNode) new ObjectMapper().readTree(bundle.resolve("config.json").toFile());
      ((ObjectNode) config.path("process"))
          .putArray("args")
          .add("/bin/sh")
          .add("-c")
          .add("sleep 1; for i in 1 2; do echo out$i; echo err$i >&2; done; exit 5");
      new ObjectMapper().writeValue(bundle.resolve("config.json").toFile(), config);
      Launcher.sifctl("oci", "create", "-b", bundle.toString(), id).ok();
      var attached =
          CompletableFuture.supplyAsync(
              () -> {
                try {
                  return Launcher.sifctl("oci", "attach", id);
                } catch (Exception e) {
                  throw new IllegalStateException(e);
                }
              });
      Thread.sleep(700); // let attach connect before the container starts writing
      Launcher.sifctl("oci", "start", id).ok();
      Launcher.Result r = attached.get(60, TimeUnit.SECONDS);
      assertThat(r.status()).isEqualTo(5);
      assertThat(r.out()).isEqualTo("out1\nout2\n");
      assertThat(r.err()).isEqualTo("err1\nerr2\n");
    } finally {
      Launcher.sifctl("oci", "delete", id);
      Launcher.sifctl("oci", "umount", bundle.toString()).ok();
    }
  }

  @Test
  void attachFeedsStdinToAContainerCreatedWithStdin() throws Exception {
    Path bundle = tmp.resolve("b4");
    Launcher.sifctl("oci", "mount", image.toString(), bundle.toString()).ok();
    String id = "oci-stdin-" + System.nanoTime();
    try {
      ObjectNode config =
          (ObjectNode) new ObjectMapper().readTree(bundle.resolve("config.json").toFile());
      ((ObjectNode) config.path("process"))
          .putArray("args")
          .add("/bin/sh")
          .add("-c")
          .add("while read line; do echo got:$line; done; echo end-of-input; exit 7");
      new ObjectMapper().writeValue(bundle.resolve("config.json").toFile(), config);
      Launcher.sifctl("oci", "create", "--stdin", "-b", bundle.toString(), id).ok();
      Process attach =
          new ProcessBuilder(
                  Launcher.repoRoot().resolve("bin/sifctl").toString(), "oci", "attach", id)
              .redirectError(ProcessBuilder.Redirect.DISCARD)
              .start();
      Thread.sleep(700); // let attach connect before the container starts
      Launcher.sifctl("oci", "start", id).ok();
      try (var in = attach.getOutputStream()) {
        in.write("one\ntwo\n".getBytes(StandardCharsets.UTF_8));
      } // closing our input must reach the container as end-of-file
      String out = new String(attach.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(attach.waitFor(60, TimeUnit.SECONDS)).isTrue();
      assertThat(out).isEqualTo("got:one\ngot:two\nend-of-input\n");
      assertThat(attach.exitValue()).isEqualTo(7);
    } finally {
      Launcher.sifctl("oci", "delete", id);
      Launcher.sifctl("oci", "umount", bundle.toString()).ok();
    }
  }
}
