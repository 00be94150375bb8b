package io.sifkube.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code sifctl exec --nv} and {@code --rocm} against the host side of a GPU driver, as root,
 * through the real runtime. On a host without one the test stages what sifctl looks for: shared
 * libraries with the driver's sonames (libcuda.so.1 and libnvidia-ml.so.1; libhsa-runtime64.so.1)
 * registered with ldconfig, the driver's tool on PATH (nvidia-smi; rocm-smi) and its device nodes
 * (/dev/nvidiactl and /dev/nvidia0, major 195; /dev/kfd); it removes them again afterwards. No GPU
 * is needed for what is checked: that each piece reaches the container where SingularityCE puts it
 * and that the device cgroup lets the container open the nodes (the kernel then answers ENXIO, no
 * driver, not EPERM). A host with a real driver is left as it is and its own pieces are checked.
 */
class GpuDriverIT {

  private static final Path LD_CONF = Path.of("/etc/ld.so.conf.d/zz-sifkube-gpu-driver-it.conf");
  private static final List<Path> NODES =
      List.of(Path.of("/dev/nvidiactl"), Path.of("/dev/nvidia0"), Path.of("/dev/kfd"));

  @TempDir static Path shared;
  private static Path image;
  private static Path bin;
  private static boolean staged;
  private static Launcher.Result bareNv;
  private static Launcher.Result bareRocm;

  @BeforeAll
  static void stageDriver() throws Exception {
    assertThat(Launcher.isRoot()).as("running containers needs root").isTrue();
    image = RunIT.busyboxImage(shared);
    bin = Files.createDirectories(shared.resolve("bin"));
    if (Files.exists(LD_CONF)) { // an earlier run of this test was killed before it cleaned up
      staged = true;
      removeDriver();
      staged = false;
    }
    if (NODES.stream().anyMatch(Files::exists)) {
      return; // a real driver: nothing to stage, nothing to remove
    }
    // What the host gives before anything is staged: the GPU options must say there is no driver.
    bareNv = exec("echo ran", "--nv");
    bareRocm = exec("echo ran", "--rocm");
    staged = true;
    Path lib = Files.createDirectories(shared.resolve("lib"));
    Path src =
        Files.writeString(shared.resolve("stub.c"), "int cuInit(unsigned f) { return 0; }\n");
    for (String soname : List.of("libcuda.so.1", "libnvidia-ml.so.1", "libhsa-runtime64.so.1")) {
      run(
          "gcc",
          "-shared",
          "-fPIC",
          "-Wl,-soname," + soname,
          "-o",
          lib + "/" + soname,
          src.toString());
    }
    Files.writeString(LD_CONF, lib + "\n");
    run("ldconfig");
    run("mknod", "-m", "666", "/dev/nvidiactl", "c", "195", "255");
    run("mknod", "-m", "666", "/dev/nvidia0", "c", "195", "0");
    run("mknod", "-m", "666", "/dev/kfd", "c", "238", "0"); // a dynamic major on real hosts
    for (String tool : List.of("nvidia-smi", "rocm-smi")) {
      Path t = Files.writeString(bin.resolve(tool), "#!/bin/sh\necho staged " + tool + "\n");
      Files.setPosixFilePermissions(t, PosixFilePermissions.fromString("rwxr-xr-x"));
    }
  }

  @AfterAll
  static void removeDriver() throws Exception {
    if (!staged) {
      return;
    }
    Files.deleteIfExists(LD_CONF);
    run("ldconfig");
    for (Path n : NODES) {
      Files.deleteIfExists(n);
    }
    assertThat(NODES).noneMatch(Files::exists);
    assertThat(Launcher.exec(List.of("ldconfig", "-p")).ok().out()).doesNotContain("libcuda.so.1");
  }

  private static void run(String... cmd) throws Exception {
    Launcher.exec(List.of(cmd)).ok();
  }

  private static Launcher.Result exec(String script, String... options) throws Exception {
    List<String> a = new ArrayList<>(List.of("exec"));
    a.addAll(List.of(options));
    a.addAll(List.of(image.toString(), "/bin/sh", "-c", script));
    String path = bin + ":" + System.getenv().getOrDefault("PATH", "/usr/bin:/bin");
    return Launcher.sifctlWithEnv(Map.of("PATH", path), a.toArray(String[]::new));
  }

  @Test
  void onAHostWithoutADriverTheGpuOptionsSaySoAndStillRun() throws Exception {
    if (!staged) { // a real driver: the options find it and warn of nothing
      assertThat(exec("echo ran", "--nv", "--rocm").ok().err()).doesNotContain("no NVIDIA driver");
      return;
    }
    assertThat(bareNv.ok().out()).isEqualTo("ran\n");
    assertThat(bareNv.err()).contains("WARNING: --nv: no NVIDIA driver found on this host");
    assertThat(bareRocm.ok().out()).isEqualTo("ran\n");
    assertThat(bareRocm.err()).contains("WARNING: --rocm: no ROCm driver found on this host");
  }

  @Test
  void nvBringsTheDriversLibrariesToolsAndDevicesIntoTheContainer() throws Exception {
    Launcher.Result r =
        exec(
            "ls /.singularity.d/libs; echo \"LD_LIBRARY_PATH=$LD_LIBRARY_PATH\"; "
                + "for d in /dev/nvidiactl /dev/nvidia0; do busybox stat -c '%n %F %t:%T' $d; done; "
                + "busybox head -c1 /dev/nvidia0 2>&1 >/dev/null | grep -o 'No such device or address'; "
                + "ls /usr/bin/nvidia-smi",
            "--nv");
    String out = r.ok().out();
    assertThat(r.err()).doesNotContain("no NVIDIA driver");
    assertThat(out).contains("libcuda.so.1\n").contains("libnvidia-ml.so.1\n");
    assertThat(out).contains("LD_LIBRARY_PATH=/.singularity.d/libs\n");
    assertThat(out)
        .contains("/dev/nvidiactl character special file c3:ff\n")
        .contains("/dev/nvidia0 character special file c3:0\n");
    // Opened past the device cgroup: the kernel has no driver behind the node (ENXIO), no EPERM.
    assertThat(out).contains("No such device or address\n");
    assertThat(out).endsWith("/usr/bin/nvidia-smi\n");
    assertStagedToolRuns("nvidia-smi", "--nv");
  }

  @Test
  void rocmBringsItsOwnDriversPiecesAndNotNvidias() throws Exception {
    Launcher.Result r =
        exec(
            "ls /.singularity.d/libs; busybox stat -c '%n %F' /dev/kfd; ls /usr/bin/rocm-smi; "
                + "ls /dev/nvidia0 2>&1; true",
            "--rocm");
    String out = r.ok().out();
    assertThat(r.err()).doesNotContain("no ROCm driver");
    assertThat(out).contains("libhsa-runtime64.so.1\n").doesNotContain("libcuda");
    assertThat(out).contains("/dev/kfd character special file\n");
    assertThat(out).contains("/usr/bin/rocm-smi\n");
    assertThat(out).contains("/dev/nvidia0: No such file or directory");
    assertStagedToolRuns("rocm-smi", "--rocm");
  }

  /** The staged tool, bound into /usr/bin, runs in the container (a real one needs its GPU). */
  private static void assertStagedToolRuns(String tool, String option) throws Exception {
    if (staged) {
      assertThat(exec("/usr/bin/" + tool, option).ok().out()).isEqualTo("staged " + tool + "\n");
    }
  }

  @Test
  void withoutNvNothingOfTheDriverIsInTheContainer() throws Exception {
    String out =
        exec("ls /.singularity.d/libs /dev/nvidia0 /usr/bin/nvidia-smi 2>&1; true").ok().out();
    assertThat(out)
        .doesNotContain("libcuda")
        .contains("/dev/nvidia0: No such file or directory")
        .contains("/usr/bin/nvidia-smi: No such file or directory");
  }
}
