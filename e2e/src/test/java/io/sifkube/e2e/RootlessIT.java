package io.sifkube.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Runs by a real unprivileged user: the image is mounted with squashfuse and fuse-overlayfs, the
 * runtime runs rootless, and {@code --fakeroot} maps root and the user's /etc/subuid range.
 */
class RootlessIT {

  private static final String USER = "sifkube-rootless";
  private static final long SUBIDS = 400000;

  @TempDir static Path shared;
  private static Path image;
  private static Path jars;
  private static Path home;
  private static long uid;
  private static long gid;

  @BeforeAll
  static void setUp() throws Exception {
    assertThat(Launcher.isRoot()).as("making a test user needs root").isTrue();
    if (Launcher.exec(List.of("id", "-u", USER)).status() != 0) {
      Launcher.exec(
              List.of(
                  "useradd",
                  "--system",
                  "--no-create-home",
                  "--home-dir",
                  "/nonexistent",
                  "--shell",
                  "/usr/sbin/nologin",
                  USER))
          .ok();
    }
    Path subuid = Path.of("/etc/subuid");
    if (!Files.exists(subuid) || !Files.readString(subuid).contains(USER + ":")) {
      String range = SUBIDS + "-" + (SUBIDS + 65535);
      Launcher.exec(List.of("usermod", "--add-subuids", range, "--add-subgids", range, USER)).ok();
    }
    uid = Long.parseLong(Launcher.exec(List.of("id", "-u", USER)).ok().out().strip());
    gid = Long.parseLong(Launcher.exec(List.of("id", "-g", USER)).ok().out().strip());
    // Debian's udev rule makes /dev/fuse 0666; hosts without udev (containers) leave it 0600.
    Launcher.exec(List.of("chmod", "0666", "/dev/fuse")).ok();
    Launcher.letCrunRun();

    image = RunIT.busyboxImage(shared.resolve("image"));
    // The user runs its own copy of sifctl: the checkout may be in a directory it cannot enter.
    jars = shared.resolve("sifctl");
    Path target = Launcher.repoRoot().resolve("node-runtime/target");
    Launcher.exec(List.of("mkdir", "-p", jars.toString())).ok();
    Launcher.exec(
            List.of(
                "cp",
                "-r",
                target.resolve("sifkube-node-runtime.jar").toString(),
                target.resolve("lib").toString(),
                jars.toString()))
        .ok();
    home = Files.createDirectories(shared.resolve("home"));
    Launcher.exec(List.of("chmod", "-R", "a+rX", shared.toString())).ok();
    chown(home);
  }

  private static void chown(Path p) throws Exception {
    Launcher.exec(List.of("chown", uid + ":" + gid, p.toString())).ok();
  }

  private static List<String> asUser(String... args) {
    List<String> cmd =
        new ArrayList<>(
            List.of(
                "setpriv",
                "--reuid=" + uid,
                "--regid=" + gid,
                "--clear-groups",
                "--",
                "env",
                "-C",
                home.toString(),
                "HOME=" + home,
                "XDG_RUNTIME_DIR=",
                "java",
                "-XX:+UseSerialGC",
                "-cp",
                jars.resolve("sifkube-node-runtime.jar") + ":" + jars.resolve("lib") + "/*",
                "io.sifkube.cli.Sifctl"));
    cmd.addAll(List.of(args));
    return cmd;
  }

  private static Launcher.Result sifctl(String... args) throws Exception {
    return Launcher.exec(asUser(args));
  }

  /** uid:gid of an {@code ls -ln} line. */
  private static String ownerOf(String lsLine) {
    String[] f = lsLine.split("\\s+");
    return f[2] + ":" + f[3];
  }

  private static long owner(Path p) throws IOException {
    return ((Number) Files.getAttribute(p, "unix:uid", LinkOption.NOFOLLOW_LINKS)).longValue();
  }

  @ParameterizedTest
  @ValueSource(strings = {"crun", "runc"})
  void fakerootIsRootInsideAndTheImageBelongsToIt(String runtime) throws Exception {
    String script =
        "id -u; id -g; cat /proc/self/uid_map; ls -ln /bin/busybox; touch /etc/made;"
            + " ls -ln /etc/made";
    Launcher.Result r =
        sifctl("exec", "--runtime", runtime, "--fakeroot", image.toString(), "sh", "-c", script)
            .ok();
    List<String> lines = r.out().lines().map(String::strip).toList();
    assertThat(lines.subList(0, 2)).containsExactly("0", "0");
    assertThat(lines.get(2).split("\\s+")).containsExactly("0", Long.toString(uid), "1");
    assertThat(lines.get(3).split("\\s+")).containsExactly("1", Long.toString(SUBIDS), "65536");
    // Root-owned image files are the container root's, and so is what root creates.
    assertThat(ownerOf(lines.get(4))).isEqualTo("0:0");
    assertThat(ownerOf(lines.get(5))).isEqualTo("0:0");
  }

  @ParameterizedTest
  @ValueSource(strings = {"crun", "runc"})
  void rootlessAndFakerootRunUnderTheDefaultSeccompFilter(String runtime) throws Exception {
    String script = "grep Seccomp: /proc/self/status; mkdir /tmp/d && echo made";
    // runc runs an unprivileged caller only with --fakeroot (refused otherwise, tested below)
    List<List<String>> modes =
        runtime.equals("runc")
            ? List.of(List.of("--fakeroot"))
            : List.of(List.<String>of(), List.of("--fakeroot"));
    for (List<String> mode : modes) {
      List<String> args = new ArrayList<>(List.of("exec", "--runtime", runtime));
      args.addAll(mode);
      args.addAll(List.of(image.toString(), "sh", "-c", script));
      assertThat(sifctl(args.toArray(String[]::new)).ok().out())
          .as("%s %s", runtime, mode)
          .isEqualTo("Seccomp:\t2\nmade\n");
    }
  }

  @Test
  void withoutFakerootTheCallerIsItselfAndOwnsWhatItWrites() throws Exception {
    Path data = Files.createDirectories(shared.resolve("data"));
    chown(data);
    Launcher.Result r =
        sifctl(
                "exec",
                "-B",
                data + ":/data",
                image.toString(),
                "sh",
                "-c",
                "id -u; id -g; touch /data/from-container /etc/scratch-change")
            .ok();
    assertThat(r.out()).isEqualTo(uid + "\n" + gid + "\n");
    assertThat(owner(data.resolve("from-container"))).isEqualTo(uid);

    Launcher.Result runc = sifctl("exec", "--runtime", "runc", image.toString(), "true");
    assertThat(runc.status()).isNotZero();
    assertThat(runc.err())
        .contains("runc cannot run an unprivileged container as the caller (uid " + uid + ")");
    Launcher.Result other = sifctl("exec", "--user", "0", image.toString(), "true");
    assertThat(other.status()).isNotZero();
    assertThat(other.err()).contains("--user 0: an unprivileged run is the caller");
  }

  /**
   * CDI as an unprivileged user: no runtime may mknod in a user namespace, so each node is bound
   * from its host path (also one renamed in the container); env, mounts and hooks as for root, the
   * hooks running as the caller; an unknown name is refused with nothing left behind.
   */
  @ParameterizedTest
  @ValueSource(strings = {"crun", "crun --fakeroot", "runc --fakeroot"})
  void cdiDevicesAreBoundFromTheHostWithoutRoot(String how) throws Exception {
    String runtime = how.split(" ")[0];
    boolean fakeroot = how.endsWith("--fakeroot");
    Path dir = Files.createDirectories(shared.resolve("cdi-" + how.replace(' ', '_')));
    Path markers = Files.createDirectories(dir.resolve("markers"));
    Path lib = Files.createDirectories(dir.resolve("lib"));
    Files.writeString(lib.resolve("libexample.so"), "vendor library\n");
    Path specs = Files.createDirectories(dir.resolve("specs"));
    Files.writeString(specs.resolve("example.yaml"), CdiIT.exampleSpec(markers, lib));
    Launcher.exec(List.of("chmod", "-R", "a+rX", dir.toString())).ok();
    chown(markers);
    List<String> args =
        new ArrayList<>(List.of("exec", "--runtime", runtime, "--cdi-dirs", specs.toString()));
    if (fakeroot) {
      args.add("--fakeroot");
    }
    args.addAll(
        List.of(
            "--device",
            "example.com/dev=null0,example.com/dev=zero0",
            image.toString(),
            "sh",
            "-c",
            "busybox stat -c '%n %t:%T' /dev/example-null0 /dev/example-zero0;"
                + " echo x > /dev/example-null0 && echo null-takes-writes;"
                + " head -c 2 /dev/example-zero0 | busybox od -An -tx1;"
                + " echo $EXAMPLE_SDK; cat /opt/example/lib/libexample.so; id -u"));
    Launcher.Result r = sifctl(args.toArray(String[]::new));
    assertThat(r.status()).as(r.err()).isZero();
    assertThat(r.out())
        .isEqualTo(
            "/dev/example-null0 1:3\n/dev/example-zero0 1:5\nnull-takes-writes\n 00 00\n"
                + "/opt/example\nvendor library\n"
                + (fakeroot ? "0" : Long.toString(uid))
                + "\n");
    // The hooks ran, as the caller.
    assertThat(owner(markers.resolve("createRuntime"))).isEqualTo(uid);
    assertThat(Files.readString(markers.resolve("poststop"))).isEqualTo("stopped\n");

    List<String> unknown = new ArrayList<>(args.subList(0, args.indexOf("--device")));
    unknown.addAll(List.of("--device", "example.com/dev=nul0", image.toString(), "true"));
    Launcher.Result refused = sifctl(unknown.toArray(String[]::new));
    assertThat(refused.status()).isEqualTo(1);
    assertThat(refused.err())
        .isEqualTo(
            "sifctl: error: unresolvable CDI devices: example.com/dev=nul0 (did you mean"
                + " example.com/dev=null0?)\n");
    assertNothingLeft();
  }

  @Test
  void aPersistentOverlayKeepsChangesOnDiskOwnedByTheCaller() throws Exception {
    Path ov = Files.createDirectories(shared.resolve("overlay"));
    chown(ov);
    String img = image.toString();
    sifctl(
            "exec",
            "--fakeroot",
            "--overlay",
            ov.toString(),
            img,
            "sh",
            "-c",
            "echo kept >/etc/kept")
        .ok();
    Launcher.Result again =
        sifctl("exec", "--fakeroot", "--overlay", ov.toString(), img, "cat", "/etc/kept").ok();
    assertThat(again.out()).isEqualTo("kept\n");
    assertThat(owner(ov.resolve("upper/etc/kept"))).isEqualTo(uid);
  }

  @Test
  void whatNeedsRootIsRefusedClearlyAndLeavesNothing() throws Exception {
    Launcher.Result mem = sifctl("exec", "--memory", "64m", image.toString(), "true");
    assertThat(mem.status()).isNotZero();
    assertThat(mem.err())
        .contains("--memory: cgroup limits need root; an unprivileged run cannot set them");

    Path ext3 = shared.resolve("overlay.ext3");
    Launcher.exec(List.of("mkfs.ext3", "-q", ext3.toString(), "8M")).ok();
    Launcher.exec(List.of("chmod", "a+r", ext3.toString())).ok();
    Launcher.Result ov = sifctl("exec", "--overlay", ext3 + ":ro", image.toString(), "true");
    assertThat(ov.status()).isNotZero();
    assertThat(ov.err()).contains("ext3 overlay images need root");

    Launcher.Result oci = sifctl("oci", "mount", image.toString(), home.resolve("b").toString());
    assertThat(oci.status()).isNotZero();
    assertThat(oci.err()).contains("sifctl oci needs root");
    assertNothingLeft();
  }

  @Test
  void theNextRunCleansUpAfterAKilledSifctl() throws Exception {
    Process p =
        new ProcessBuilder(asUser("exec", "--fakeroot", image.toString(), "sleep", "600"))
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (!Launcher.exec(List.of("pgrep", "-u", Long.toString(uid), "-x", "sleep"))
        .out()
        .strip()
        .matches("[0-9]+")) {
      assertThat(System.nanoTime()).as("the container started").isLessThan(deadline);
      Thread.sleep(100);
    }
    p.destroyForcibly().waitFor(); // SIGKILL: nothing of sifctl's own cleanup runs
    assertThat(Files.readString(Path.of("/proc/self/mountinfo"))).contains(stateDir());

    Launcher.Result next = sifctl("exec", "--fakeroot", image.toString(), "true").ok();
    assertThat(next.err()).contains("cleaning up after an earlier run");
    assertNothingLeft();
  }

  private static String stateDir() {
    return "/tmp/sifkube-" + uid + "/sifctl/";
  }

  private static void assertNothingLeft() throws Exception {
    assertThat(Files.readString(Path.of("/proc/self/mountinfo"))).doesNotContain(stateDir());
    // A FUSE daemon exits after its unmount returns, and is reaped by init a moment later.
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    String procs;
    do {
      procs = Launcher.exec(List.of("pgrep", "-a", "-u", Long.toString(uid))).out();
      if (!procs.isEmpty()) {
        Thread.sleep(100);
      }
    } while (!procs.isEmpty() && System.nanoTime() < deadline);
    assertThat(procs).as("processes of %s (squashfuse, fuse-overlayfs, sleep)", USER).isEmpty();
    try (var left = Files.list(Path.of(stateDir()))) {
      assertThat(left).isEmpty();
    }
  }

  @AfterAll
  static void noFuseMountDaemonOrStateIsLeft() throws Exception {
    assertNothingLeft();
  }
}
