package io.sifkube.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The cgroup options SingularityCE has and the common ones lack ({@code --cpu-period}, {@code
 * --cpu-quota}, {@code --cpuset-mems}, {@code --memory-swappiness}, {@code --oom-kill-disable},
 * {@code --device-read-bps}, …) and {@code --apply-cgroups FILE}, checked in the cgroup files the
 * real runtime wrote for the running container (this host mounts cgroup v1 controllers).
 */
class LimitsIT {

  @TempDir static Path shared;
  private static Path image;
  private static String disk;

  @TempDir Path tmp;

  @BeforeAll
  static void build() throws Exception {
    assertThat(Launcher.isRoot()).as("cgroup limits need root").isTrue();
    Launcher.letCrunRun();
    image = RunIT.busyboxImage(shared);
    try (var blocks = Files.list(Path.of("/sys/block"))) {
      disk =
          blocks
              .map(p -> p.getFileName().toString())
              .filter(n -> !n.startsWith("loop") && !n.startsWith("zram") && !n.startsWith("ram"))
              .filter(n -> Files.exists(Path.of("/dev/" + n)))
              .sorted()
              .findFirst()
              .orElseThrow(() -> new IllegalStateException("no block device to throttle"));
    }
  }

  /**
   * Starts a container with {@code options} that prints its cgroups and waits; returns each
   * controller's file values asked for, read from the host while it runs.
   */
  private static Map<String, String> cgroupFiles(
      String runtime, List<String> options, List<String> files) throws Exception {
    List<String> cmd =
        new ArrayList<>(
            List.of(
                Launcher.repoRoot().resolve("bin/sifctl").toString(),
                "exec",
                "--runtime",
                runtime));
    cmd.addAll(options);
    cmd.addAll(List.of(image.toString(), "sh", "-c", "cat /proc/self/cgroup; echo end; sleep 5"));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    BufferedReader out =
        new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
    Map<String, String> paths = new HashMap<>();
    String line;
    while ((line = out.readLine()) != null && !line.equals("end")) {
      String[] f = line.split(":", 3);
      assertThat(f).as("a /proc/self/cgroup line: %s", line).hasSize(3);
      for (String c : f[1].split(",")) {
        paths.put(c, f[2]);
      }
    }
    Map<String, String> values = new HashMap<>();
    for (String file : files) {
      String controller = file.substring(0, file.indexOf('.'));
      Path host = Path.of("/sys/fs/cgroup/" + controller + paths.get(controller) + "/" + file);
      values.put(file, Files.readString(host).strip());
    }
    p.destroy();
    p.waitFor(30, TimeUnit.SECONDS);
    return values;
  }

  @ParameterizedTest
  @ValueSource(strings = {"crun", "runc"})
  void theLimitOptionsReachTheContainersCgroups(String runtime) throws Exception {
    Map<String, String> v =
        cgroupFiles(
            runtime,
            List.of(
                "--cpu-period",
                "100000",
                "--cpu-quota",
                "50000",
                "--cpuset-mems",
                "0",
                "--memory-swappiness",
                "7",
                "--oom-kill-disable",
                "--device-read-bps",
                "/dev/" + disk + ":1mb",
                "--device-write-iops",
                "/dev/" + disk + ":300"),
            List.of(
                "cpu.cfs_period_us",
                "cpu.cfs_quota_us",
                "cpuset.mems",
                "memory.swappiness",
                "memory.oom_control",
                "blkio.throttle.read_bps_device",
                "blkio.throttle.write_iops_device"));
    assertThat(v.get("cpu.cfs_period_us")).isEqualTo("100000");
    assertThat(v.get("cpu.cfs_quota_us")).isEqualTo("50000");
    assertThat(v.get("cpuset.mems")).isEqualTo("0");
    assertThat(v.get("memory.swappiness")).isEqualTo("7");
    assertThat(v.get("memory.oom_control")).contains("oom_kill_disable 1");
    String numbers = Files.readString(Path.of("/sys/block/" + disk + "/dev")).strip();
    assertThat(v.get("blkio.throttle.read_bps_device")).isEqualTo(numbers + " 1048576");
    assertThat(v.get("blkio.throttle.write_iops_device")).isEqualTo(numbers + " 300");
  }

  @ParameterizedTest
  @ValueSource(strings = {"crun", "runc"})
  void aSingularityCgroupsFileIsApplied(String runtime) throws Exception {
    Path toml =
        Files.writeString(
            tmp.resolve("limits.toml"),
            "# as SingularityCE's etc/cgroups/cgroups.toml writes them\n"
                + "[cpu]\n  shares = 512\n  quota = 30000\n  period = 100000\n"
                + "[memory]\n  limit = 67108864\n  swappiness = 5\n"
                + "[pids]\n  limit = 64\n"
                + "[[devices]]\n  allow = false\n  access = \"rwm\"\n");
    Map<String, String> v =
        cgroupFiles(
            runtime,
            List.of("--apply-cgroups", toml.toString()),
            List.of(
                "cpu.shares",
                "cpu.cfs_quota_us",
                "memory.limit_in_bytes",
                "memory.swappiness",
                "pids.max"));
    assertThat(v)
        .containsEntry("cpu.shares", "512")
        .containsEntry("cpu.cfs_quota_us", "30000")
        .containsEntry("memory.limit_in_bytes", "67108864")
        .containsEntry("memory.swappiness", "5")
        .containsEntry("pids.max", "64");
  }

  private static Launcher.Result exec(String... options) throws Exception {
    List<String> args = new ArrayList<>(List.of("exec", "--runtime", "runc"));
    args.addAll(List.of(options));
    args.addAll(List.of(image.toString(), "true"));
    return Launcher.sifctl(args.toArray(String[]::new));
  }

  @Test
  void badValuesAreRefusedNamingTheOption() throws Exception {
    Path toml = Files.writeString(tmp.resolve("c.toml"), "[memory]\nlimit = 1000000\n");
    assertThat(
            exec("--apply-cgroups", toml.toString(), "--memory", "1g", "--cpu-quota", "5000").err())
        .contains("--apply-cgroups cannot be combined with --memory, --cpu-quota");
    Path unknown = Files.writeString(tmp.resolve("u.toml"), "[gpu]\nlimit = 1\n");
    assertThat(exec("--apply-cgroups", unknown.toString()).err())
        .contains("--apply-cgroups " + unknown + ": unknown section [gpu]");
    Path wrong = Files.writeString(tmp.resolve("w.toml"), "[memory]\nlimit = \"lots\"\n");
    assertThat(exec("--apply-cgroups", wrong.toString()).err())
        .contains("[memory] limit must be an integer");
    Path broken = Files.writeString(tmp.resolve("b.toml"), "[memory\nlimit = 1\n");
    assertThat(exec("--apply-cgroups", broken.toString()).err())
        .contains("--apply-cgroups " + broken + ": not a readable TOML file");
    assertThat(exec("--memory-swappiness", "101").err())
        .contains("--memory-swappiness 101: must be 0..100");
    assertThat(exec("--cpus", "1", "--cpu-quota", "5000").err())
        .contains("--cpus sets the CFS period and quota");
    assertThat(exec("--device-read-bps", "/dev/null:1mb").err())
        .contains("--device-read-bps /dev/null: not a block device");
    assertThat(exec("--device-read-bps", "/dev/" + disk).err()).contains("is not DEVICE:RATE");
    assertThat(exec("--blkio-weight-device", "/dev/" + disk + ":5").err())
        .contains("must be 10..1000");
    for (Launcher.Result r :
        List.of(exec("--memory-swappiness", "x"), exec("--cpuset-mems", "a-b"))) {
      assertThat(r.status()).isEqualTo(1);
      assertThat(r.err().strip()).doesNotContain("\n").doesNotContain("Exception");
    }
  }
}
