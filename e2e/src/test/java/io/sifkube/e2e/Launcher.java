package io.sifkube.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Runs the repository's launchers ({@code bin/…}) and host tools as real processes. */
final class Launcher {

  private Launcher() {}

  /** The exit status and output of one process. */
  record Result(int status, String out, String err) {
    Result ok() {
      assertThat(status).as("exit status; stderr: %s", err).isZero();
      return this;
    }
  }

  static Path repoRoot() {
    Path root = Path.of(System.getProperty("sifkube.root", "..")).toAbsolutePath().normalize();
    assertThat(root.resolve("bin/sifctl")).as("launcher in the repository root").isRegularFile();
    return root;
  }

  /** The reference SIF data hack/sif-reference.sh caches (SIFs, keys, siftool's views). */
  static Path sifReference() {
    Path dir =
        Path.of(
            System.getProperty("sifkube.sif.reference", "/var/cache/sifkube/sif-reference-2.21.0"));
    assertThat(dir.resolve(".complete"))
        .as("reference SIF data in %s: run hack/sif-reference.sh (hack/test.sh does)", dir)
        .isRegularFile();
    return dir;
  }

  static Result sifctl(String... args) throws IOException, InterruptedException {
    return sifctlWithEnv(Map.of(), args);
  }

  /** Runs bin/sifctl with extra environment variables. */
  static Result sifctlWithEnv(Map<String, String> env, String... args)
      throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>();
    cmd.add(repoRoot().resolve("bin/sifctl").toString());
    cmd.addAll(List.of(args));
    return exec(cmd, env);
  }

  static Result exec(List<String> cmd) throws IOException, InterruptedException {
    return exec(cmd, Map.of());
  }

  static Result exec(List<String> cmd, Map<String, String> env)
      throws IOException, InterruptedException {
    ProcessBuilder pb = new ProcessBuilder(cmd);
    pb.environment().putAll(env);
    Process p =
        pb.redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile())).start();
    CompletableFuture<byte[]> err =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                return p.getErrorStream().readAllBytes();
              } catch (IOException e) {
                return e.toString().getBytes(StandardCharsets.UTF_8);
              }
            });
    byte[] out = p.getInputStream().readAllBytes();
    if (!p.waitFor(5, TimeUnit.MINUTES)) {
      p.destroyForcibly();
      throw new AssertionError("timed out: " + cmd);
    }
    return new Result(
        p.exitValue(),
        new String(out, StandardCharsets.UTF_8),
        new String(err.join(), StandardCharsets.UTF_8));
  }

  static boolean isRoot() throws IOException {
    return Files.readString(Path.of("/proc/self/status"))
        .lines()
        .filter(l -> l.startsWith("Uid:"))
        .anyMatch(l -> l.split("\\s+")[1].equals("0"));
  }

  /**
   * Applies DEVELOPERS.md's fix for hybrid cgroup hosts, which crun 1.8 refuses: the controllers
   * left in the cgroup v2 hierarchy are attached to v1 hierarchies. Does nothing elsewhere.
   */
  static void letCrunRun() throws IOException, InterruptedException {
    exec(List.of(
            "sh",
            "-c",
            "f=/sys/fs/cgroup/unified/cgroup.controllers; [ -f $f ] || exit 0;"
                + " for c in $(cat $f); do mkdir -p /sys/fs/cgroup/$c"
                + " && mount -t cgroup -o $c cgroup /sys/fs/cgroup/$c; done"))
        .ok();
  }
}
