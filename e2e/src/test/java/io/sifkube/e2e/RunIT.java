package io.sifkube.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sifkube.e2e.TestImages.Layer;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code sifctl run|exec} of an image built by the test (busybox-static, a USER, ENV, WORKDIR,
 * ENTRYPOINT and CMD) through the real OCI runtime, as root. Checks the image semantics, the
 * options, exit statuses, signal forwarding, and that nothing stays mounted.
 */
class RunIT {

  @TempDir static Path shared;
  private static Path image;

  @TempDir Path tmp;

  @BeforeAll
  static void buildImage() throws Exception {
    assertThat(Launcher.isRoot()).as("running containers needs root").isTrue();
    image = busyboxImage(shared);
  }

  /**
   * An OCI-SIF of busybox-static with a USER (app, 1234:2345), ENV, WORKDIR, ENTRYPOINT and CMD,
   * built as an OCI layout and pulled through sifctl.
   */
  static Path busyboxImage(Path dir) throws Exception {
    Path layout = busyboxLayout(dir);
    Path sif = dir.resolve("app.oci.sif");
    Launcher.sifctl(
            "pull",
            "--cache-dir",
            dir.resolve("cache").toString(),
            "oci:" + layout + ":v1",
            sif.toString())
        .ok();
    return sif;
  }

  /**
   * An OCI layout (tag v1) of a busybox image: USER app (1234:2345), WORKDIR /work, ENTRYPOINT sh
   * -c, CMD "echo default $FOO".
   */
  static Path busyboxLayout(Path dir) throws Exception {
    byte[] busybox = Files.readAllBytes(Path.of("/bin/busybox"));
    Layer l =
        new Layer()
            .dir("bin", 0755, 0, 0)
            .file("bin/busybox", busybox, 0755)
            .dir("etc", 0755, 0, 0)
            .file(
                "etc/passwd",
                "root:x:0:0:root:/root:/bin/sh\napp:x:1234:2345:app:/home/app:/bin/sh\n",
                0644)
            .file("etc/group", "root:x:0:\napp:x:2345:\n", 0644)
            .dir("home", 0755, 0, 0)
            .dir("home/app", 0755, 1234, 2345)
            .file("home/app/.profile-from-image", "hidden by the tmpfs home", 0644)
            .dir("work", 0777, 0, 0)
            .dir("root", 0700, 0, 0);
    for (String cmd :
        List.of(
            "sh",
            "id",
            "cat",
            "echo",
            "hostname",
            "ls",
            "sleep",
            "touch",
            "pwd",
            "head",
            "tr",
            "seq",
            "test",
            "grep",
            "kill",
            "true")) {
      l.symlink("bin/" + cmd, "busybox");
    }
    ObjectNode config = new ObjectMapper().createObjectNode();
    config.putArray("Entrypoint").add("/bin/sh").add("-c");
    config.putArray("Cmd").add("echo default $FOO");
    config.putArray("Env").add("PATH=/bin").add("FOO=bar");
    config.put("WorkingDir", "/work");
    config.put("User", "app");
    return TestImages.layout(dir.resolve("layout"), "v1", "amd64", List.of(l), false, config);
  }

  @AfterAll
  static void nothingStaysMounted() throws Exception {
    String mounts = Files.readString(Path.of("/proc/self/mountinfo"));
    assertThat(mounts).doesNotContain("/run/sifkube/sifctl/");
    String loops = Launcher.exec(List.of("losetup", "-a")).ok().out();
    assertThat(loops).doesNotContain(image.toString());
  }

  private static Launcher.Result sifctl(String... args) throws Exception {
    return Launcher.sifctl(args);
  }

  /** bin/sifctl exec of the image's /bin/sh -c SCRIPT, to start as a process of the test's own. */
  private static ProcessBuilder sifctlExec(String script) {
    return new ProcessBuilder(
        Launcher.repoRoot().resolve("bin/sifctl").toString(),
        "exec",
        image.toString(),
        "/bin/sh",
        "-c",
        script);
  }

  private static Launcher.Result exec(String script, String... options) throws Exception {
    List<String> a = new ArrayList<>(List.of("exec"));
    a.addAll(List.of(options));
    a.addAll(List.of(image.toString(), "/bin/sh", "-c", script));
    return sifctl(a.toArray(String[]::new));
  }

  @Test
  void imageUserEnvWorkdirEntrypointAndCmd() throws Exception {
    assertThat(sifctl("run", image.toString()).ok().out()).isEqualTo("default bar\n");
    assertThat(sifctl("run", image.toString(), "echo replaced").ok().out()).isEqualTo("replaced\n");
    assertThat(exec("id -u; id -g; pwd; echo $FOO $HOME").ok().out())
        .isEqualTo("1234\n2345\n/work\nbar /home/app\n");
    assertThat(
            exec("id -u; pwd; echo $FOO", "--user", "root", "--cwd", "/tmp", "--env", "FOO=baz")
                .ok()
                .out())
        .isEqualTo("0\n/tmp\nbaz\n");
  }

  @Test
  void squashfuseServesTheLayerWhereLoopDevicesAreNotWanted() throws Exception {
    // SIFKUBE_SQUASHFUSE=1 takes the path a host without loop devices falls back on.
    ProcessBuilder pb = sifctlExec("id -u; cat /etc/group; sleep 2");
    pb.environment().put("SIFKUBE_SQUASHFUSE", "1");
    Process p = pb.redirectErrorStream(true).start();
    boolean seen = false;
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!seen && p.isAlive() && System.nanoTime() < deadline) {
      seen =
          Files.readAllLines(Path.of("/proc/self/mountinfo")).stream()
              .anyMatch(l -> l.contains("/run/sifkube/sifctl/") && l.contains("fuse.squashfuse"));
      Thread.sleep(50);
    }
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor()).as(out).isZero();
    assertThat(seen).as("a squashfuse mount under the run's state dir").isTrue();
    assertThat(out).startsWith("1234\nroot:x:0:\napp:x:2345:\n");
    assertThat(Files.readString(Path.of("/proc/self/mountinfo")))
        .doesNotContain("/run/sifkube/sifctl/");
  }

  @Test
  void asRootSifctlBecomesTheRuntimeAndItsMountsStayOutOfTheHostsTable() throws Exception {
    Process p = sifctlExec("echo up; sleep 3").redirectErrorStream(true).start();
    var out = new BufferedReader(new InputStreamReader(p.getInputStream()));
    assertThat(out.readLine()).isEqualTo("up");
    // The sifctl process is the runtime now, and its mounts live in its own namespace.
    String cmdline = Files.readString(Path.of("/proc/" + p.pid() + "/cmdline"));
    assertThat(cmdline).contains("run\0--bundle\0/run/sifkube/sifctl/");
    String theirs = Files.readString(Path.of("/proc/" + p.pid() + "/mountinfo"));
    assertThat(theirs).contains("/run/sifkube/sifctl/").contains(" - overlay ");
    assertThat(Files.readString(Path.of("/proc/self/mountinfo")))
        .doesNotContain("/run/sifkube/sifctl/");
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).isZero();
    // The namespace is gone with the container, and its loop device with it.
    assertThat(Launcher.exec(List.of("losetup", "-a")).ok().out()).doesNotContain(image.toString());
    assertThat(exec("true").status()).isZero(); // and the next run sweeps what the host kept
  }

  @Test
  void exitStatusesPassThrough() throws Exception {
    assertThat(exec("exit 0").status()).isZero();
    assertThat(exec("exit 1").status()).isEqualTo(1);
    assertThat(exec("exit 42").status()).isEqualTo(42);
    // PID 1 of a PID namespace ignores its own SIGKILL; a child that kills itself gives 128+9.
    assertThat(exec("sh -c 'kill -9 $$'; exit $?").status()).isEqualTo(128 + 9);
  }

  @Test
  void compatRootIsWritableButThrownAwayNoCompatIsReadOnlyWithHostDirs() throws Exception {
    assertThat(exec("touch /kept && echo ok", "--user", "root").ok().out()).isEqualTo("ok\n");
    assertThat(exec("test -e /kept").status())
        .as("a file written in one run is gone in the next")
        .isEqualTo(1);
    Launcher.Result ro = exec("touch /nope", "--user", "root", "--no-compat");
    assertThat(ro.status()).isNotZero();
    assertThat(ro.err()).contains("Read-only file system");
    Path here = Path.of("").toAbsolutePath();
    assertThat(exec("pwd", "--no-compat").ok().out().strip()).isEqualTo(here.toString());
  }

  @Test
  void bindsAreReadOnlyOrWritableAsAsked() throws Exception {
    Path data = Files.createDirectories(tmp.resolve("data"));
    Files.writeString(data.resolve("in"), "from host");
    assertThat(exec("cat /data/in", "-B", data + ":/data:ro").ok().out()).isEqualTo("from host");
    assertThat(exec("echo x > /data/out", "--user", "root", "-B", data + ":/data:ro").status())
        .isNotZero();
    exec("echo written > /data/out", "--user", "root", "-B", data + ":/data").ok();
    assertThat(Files.readString(data.resolve("out"))).isEqualTo("written\n");
  }

  @Test
  void hostnameAndPrivileges() throws Exception {
    assertThat(exec("hostname", "--hostname", "node-7").ok().out()).isEqualTo("node-7\n");
    String root = exec("grep -E '^Cap(Inh|Eff)' /proc/self/status", "--user", "root").ok().out();
    assertThat(root)
        .contains("CapInh:\t0000000000000000")
        .doesNotContain("CapEff:\t0000000000000000");
    assertThat(exec("grep CapEff /proc/self/status", "--user", "root", "--no-privs").ok().out())
        .isEqualTo("CapEff:\t0000000000000000\n");
    String dropped =
        exec("grep CapEff /proc/self/status", "--user", "root", "--drop-caps", "CAP_CHOWN")
            .ok()
            .out();
    String full = exec("grep CapEff /proc/self/status", "--user", "root").ok().out();
    long d = Long.parseLong(dropped.split("\t")[1].strip(), 16);
    long f = Long.parseLong(full.split("\t")[1].strip(), 16);
    assertThat(f & 1).as("CAP_CHOWN by default").isEqualTo(1);
    assertThat(d & 1).as("CAP_CHOWN dropped").isZero();
  }

  @Test
  void memoryAndPidLimitsHold() throws Exception {
    Launcher.Result oom =
        exec("x=$(head -c 200000000 /dev/zero | tr '\\0' a); echo survived", "--memory", "32m");
    assertThat(oom.status()).as("OOM-killed: %s", oom.err()).isEqualTo(137);
    Launcher.Result bomb =
        exec("for i in $(seq 40); do sleep 3 & done; wait; echo done", "--pids-limit", "10");
    assertThat(bomb.err()).containsAnyOf("can't fork", "Resource temporarily unavailable");
  }

  @Test
  void sigtermReachesTheContainer() throws Exception {
    Process p =
        sifctlExec("trap 'exit 42' TERM; echo ready; while true; do sleep 0.1; done")
            .redirectErrorStream(true)
            .start();
    var out = new BufferedReader(new InputStreamReader(p.getInputStream()));
    String line;
    while ((line = out.readLine()) != null && !line.equals("ready")) {
      // wait for the container to be up
    }
    p.destroy(); // SIGTERM to sifctl
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).isEqualTo(42);
  }

  @Test
  void homeDnsEnvFileScratchAndUts() throws Exception {
    assertThat(exec("echo $HOME; ls -A $HOME | wc -l; touch $HOME/ok && echo writable").ok().out())
        .as("compat: an empty, private, writable home")
        .isEqualTo("/home/app\n0\nwritable\n");
    assertThat(exec("echo $HOME; ls -A /home/app", "--no-home").ok().out())
        .isEqualTo("/home/app\n.profile-from-image\n");
    Path hostHome = Files.createDirectories(tmp.resolve("h"));
    Files.writeString(hostHome.resolve("mine"), "x");
    assertThat(exec("echo $HOME; ls $HOME", "--home", hostHome + ":/home/me").ok().out())
        .isEqualTo("/home/me\nmine\n");
    assertThat(exec("cat /etc/resolv.conf", "--dns", "10.1.2.3,10.1.2.4").ok().out())
        .isEqualTo("nameserver 10.1.2.3\nnameserver 10.1.2.4\n");
    Path envFile = tmp.resolve("env");
    Files.writeString(envFile, "# comment\nA=from-file\nexport B=also\nFOO=file\n");
    assertThat(
            exec("echo $A $B $FOO", "--env-file", envFile.toString(), "--env", "FOO=flag")
                .ok()
                .out())
        .isEqualTo("from-file also flag\n");
    assertThat(exec("grep ' /scratch ' /proc/mounts | cut -d' ' -f3", "-S", "/scratch").ok().out())
        .isEqualTo("tmpfs\n");
    String hostName = Launcher.exec(List.of("hostname")).ok().out();
    assertThat(exec("hostname", "--uts").ok().out()).isEqualTo(hostName);
    assertThat(exec("true", "--dns", "not-an-ip").err())
        .contains("--dns \"not-an-ip\" is not an IP address");
  }

  @Test
  void workdirMountContainLibsAndCgroupTuning() throws Exception {
    Path work = Files.createDirectories(tmp.resolve("work"));
    exec(
            "echo t > /tmp/t; echo v > /var/tmp/v; echo s > /scratch/s",
            "--workdir",
            work.toString(),
            "-S",
            "/scratch")
        .ok();
    assertThat(Files.readString(work.resolve("tmp/t"))).isEqualTo("t\n");
    assertThat(Files.readString(work.resolve("var_tmp/v"))).isEqualTo("v\n");
    assertThat(Files.readString(work.resolve("scratch/scratch/s"))).isEqualTo("s\n");

    Path data = Files.createDirectories(tmp.resolve("m"));
    Files.writeString(data.resolve("f"), "mounted");
    assertThat(
            exec("cat /mnt/m/f", "--mount", "type=bind,src=" + data + ",dst=/mnt/m,ro").ok().out())
        .isEqualTo("mounted");

    Path lib = tmp.resolve("libdemo.so.1");
    Files.writeString(lib, "not really a library");
    Launcher.Result libs =
        Launcher.sifctlWithEnv(
            Map.of("SIFKUBE_CONTAINLIBS", lib.toString()),
            "exec",
            image.toString(),
            "/bin/sh",
            "-c",
            "cat /.singularity.d/libs/libdemo.so.1; echo; echo $LD_LIBRARY_PATH");
    assertThat(libs.ok().out()).isEqualTo("not really a library\n/.singularity.d/libs\n");

    assertThat(
            exec(
                    "grep Cpus_allowed_list /proc/self/status",
                    "--cpuset-cpus",
                    "0",
                    "--cpu-shares",
                    "512",
                    "--memory-reservation",
                    "64m")
                .ok()
                .out())
        .isEqualTo("Cpus_allowed_list:\t0\n");
    assertThat(exec("grep -c ' /proc ' /proc/mounts || true", "--no-mount", "tmp").ok().out())
        .isEqualTo("1\n");
    assertThat(exec("true", "--no-mount", "dev").err())
        .contains("--no-mount dev: not one of proc, sys, devpts, tmp, home");
  }

  @Test
  void overlaysPersistOrStayReadOnly() throws Exception {
    Path persist = Files.createDirectories(tmp.resolve("persist"));
    exec("echo kept > /kept", "--user", "root", "--overlay", persist.toString()).ok();
    assertThat(exec("cat /kept", "--overlay", persist.toString()).ok().out()).isEqualTo("kept\n");
    assertThat(Files.readString(persist.resolve("upper/kept"))).isEqualTo("kept\n");

    Path extra = Files.createDirectories(tmp.resolve("extra"));
    Files.writeString(extra.resolve("added"), "from a read-only overlay\n");
    assertThat(
            exec(
                    "cat /added; echo x > /added2 && echo wrote",
                    "--user",
                    "root",
                    "--overlay",
                    extra + ":ro")
                .ok()
                .out())
        .isEqualTo("from a read-only overlay\nwrote\n");
    assertThat(extra.resolve("added2")).doesNotExist();

    Path sqdir = Files.createDirectories(tmp.resolve("sq/opt"));
    Files.writeString(sqdir.resolve("tool"), "squashed");
    Path sqfs = tmp.resolve("extra.sqfs");
    Launcher.exec(
            List.of(
                "mksquashfs", tmp.resolve("sq").toString(), sqfs.toString(), "-quiet", "-noappend"))
        .ok();
    assertThat(exec("cat /opt/tool", "--overlay", sqfs.toString()).ok().out())
        .isEqualTo("squashed");

    Path ext3 = tmp.resolve("overlay.img");
    Launcher.exec(
            List.of(
                "sh",
                "-c",
                "dd if=/dev/zero of="
                    + ext3
                    + " bs=1M count=32 status=none && mkfs.ext3 -q -F "
                    + ext3))
        .ok();
    exec("echo in-ext3 > /etc/ext3-file", "--user", "root", "--overlay", ext3.toString()).ok();
    assertThat(exec("cat /etc/ext3-file", "--overlay", ext3 + ":ro").ok().out())
        .isEqualTo("in-ext3\n");

    Launcher.Result two =
        exec("true", "--overlay", persist.toString(), "--overlay", ext3.toString());
    assertThat(two.status()).isEqualTo(1);
    assertThat(two.err()).contains("only one overlay can be writable");
    assertThat(exec("true", "--overlay", tmp.resolve("missing").toString()).err())
        .contains("does not exist");
  }

  @Test
  void shellGetsATerminalAndPullSourcesRunToo() throws Exception {
    // script(1) gives sifctl a pseudo-terminal, as a user's shell would.
    Path input = tmp.resolve("input");
    Files.writeString(input, "tty >/dev/null && echo \"tty for $(id -u)\"; exit 3\n");
    String cmd = Launcher.repoRoot().resolve("bin/sifctl") + " shell " + image;
    Launcher.Result sh =
        Launcher.exec(List.of("sh", "-c", "script -qec '" + cmd + "' /dev/null < " + input));
    assertThat(sh.out().replace("\r", "")).contains("tty for 1234");
    assertThat(sh.status()).isEqualTo(3);

    Path layout = shared.resolve("layout");
    Launcher.Result fromSource =
        sifctl(
            "exec",
            "--cache-dir",
            shared.resolve("cache").toString(),
            "oci:" + layout + ":v1",
            "id",
            "-u");
    assertThat(fromSource.ok().out()).isEqualTo("1234\n");
  }

  @Test
  void badInputIsRefusedBeforeAnythingRuns() throws Exception {
    Launcher.Result missing = sifctl("exec", tmp.resolve("nope.oci.sif").toString(), "true");
    assertThat(missing.status()).isEqualTo(1);
    assertThat(missing.err()).contains("nope.oci.sif: no such image file");
    Launcher.Result bind = exec("true", "-B", "/does/not/exist:/x");
    assertThat(bind.err()).contains("bind source /does/not/exist does not exist");
    assertThat(exec("true", "--add-caps", "CAP_FLY").err())
        .contains("unknown capability \"CAP_FLY\"");
    assertThat(exec("true", "--memory", "lots").err()).contains("invalid size \"lots\"");
    Launcher.Result noCmd = sifctl("exec", image.toString());
    assertThat(noCmd.status()).isEqualTo(1);
    assertThat(noCmd.err()).contains("no command given to exec");
    assertThat(Files.readString(Path.of("/proc/self/mountinfo")))
        .doesNotContain("/run/sifkube/sifctl/");
  }
}
