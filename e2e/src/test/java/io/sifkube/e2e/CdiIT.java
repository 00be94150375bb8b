package io.sifkube.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * CDI devices through {@code sifctl exec --device} with the real crun and runc, as root: spec files
 * in a directory of the test's own map the host's /dev/null, /dev/zero and /dev/full to new paths,
 * bring env, a host directory and hooks, and a node that is not one of the OCI default devices
 * (/dev/loop-control) shows the device cgroup at work. The unprivileged runs are in RootlessIT.
 */
class CdiIT {

  @TempDir static Path shared;
  private static Path image;
  private static Path cdi;
  private static Path markers;
  private static Path hostDir;

  @BeforeAll
  static void setUp() throws Exception {
    assertThat(Launcher.isRoot()).as("device nodes and cgroups need root").isTrue();
    Launcher.letCrunRun();
    image = RunIT.busyboxImage(shared);
    cdi = Files.createDirectories(shared.resolve("cdi"));
    markers = Files.createDirectories(shared.resolve("markers"));
    hostDir = Files.createDirectories(shared.resolve("vendor-lib"));
    Files.writeString(hostDir.resolve("libexample.so"), "not really a library\n");
    Files.writeString(cdi.resolve("example.yaml"), exampleSpec(markers, hostDir));
    Files.writeString(
        cdi.resolve("loop.json"),
        """
        {"cdiVersion":"0.5.0","kind":"example.com/loop","devices":[{"name":"ctl",
          "containerEdits":{"deviceNodes":[
            {"path":"/dev/example-loopctl","hostPath":"/dev/loop-control","permissions":"r"}]}}]}
        """);
  }

  /** A vendor's spec: three renamed nodes, env, a library directory, two hooks with markers. */
  static String exampleSpec(Path markers, Path lib) {
    return """
        cdiVersion: "0.5.0"
        kind: example.com/dev
        containerEdits:
          env: [EXAMPLE_SDK=/opt/example, FOO=from-cdi]
          mounts:
          - {hostPath: %2$s, containerPath: /opt/example/lib, options: [ro, rbind, nosuid, nodev]}
          hooks:
          - {hookName: createRuntime, path: /bin/sh, args: [sh, -c, 'echo created > %1$s/createRuntime']}
          - {hookName: poststop, path: /bin/sh, args: [sh, -c, 'echo stopped > %1$s/poststop']}
        devices:
        - name: null0
          containerEdits:
            deviceNodes: [{path: /dev/example-null0, hostPath: /dev/null}]
        - name: zero0
          containerEdits:
            deviceNodes: [{path: /dev/example-zero0, hostPath: /dev/zero}]
        - name: full0
          containerEdits:
            deviceNodes: [{path: /dev/example-full0, hostPath: /dev/full}]
        - name: all
          containerEdits:
            deviceNodes:
            - {path: /dev/example-null0, hostPath: /dev/null}
            - {path: /dev/example-zero0, hostPath: /dev/zero}
            - {path: /dev/example-full0, hostPath: /dev/full}
        """
        .formatted(markers, lib);
  }

  @AfterAll
  static void nothingStaysMounted() throws Exception {
    assertThat(Files.readString(Path.of("/proc/self/mountinfo")))
        .doesNotContain("/run/sifkube/sifctl/");
    assertThat(Launcher.exec(List.of("losetup", "-a")).ok().out()).doesNotContain(image.toString());
  }

  private static Launcher.Result exec(String runtime, String script, String... options)
      throws Exception {
    List<String> a =
        new ArrayList<>(List.of("exec", "--runtime", runtime, "--cdi-dirs", cdi.toString()));
    a.addAll(List.of(options));
    a.addAll(List.of(image.toString(), "/bin/sh", "-c", script));
    return Launcher.sifctl(a.toArray(String[]::new));
  }

  @ParameterizedTest
  @ValueSource(strings = {"crun", "runc", "crun --no-compat", "runc --no-compat"})
  void renamedHostNodesWorkWithTheirNumbersEnvMountsAndHooks(String how) throws Exception {
    String runtime = how.split(" ")[0];
    String[] compat = how.endsWith("--no-compat") ? new String[] {"--no-compat"} : new String[0];
    Files.deleteIfExists(markers.resolve("createRuntime"));
    Files.deleteIfExists(markers.resolve("poststop"));
    String script =
        "for d in null0 zero0 full0; do busybox stat -c '%n %F %t:%T %u:%g %a' /dev/example-$d;"
            + " done;"
            + " echo x > /dev/example-null0 && echo null-takes-writes;"
            + " head -c 3 /dev/example-zero0 | busybox od -An -tx1;"
            + " echo x > /dev/example-full0 || echo full-is-full;"
            + " echo $EXAMPLE_SDK $FOO; cat /opt/example/lib/libexample.so;"
            + " touch /opt/example/lib/x 2>/dev/null || echo lib-read-only";
    List<String> options = new ArrayList<>(List.of(compat));
    options.addAll(List.of("--device", "example.com/dev=all"));
    Launcher.Result r = exec(runtime, script, options.toArray(String[]::new));
    assertThat(r.status()).as(r.err()).isZero();
    assertThat(r.out())
        .isEqualTo(
            // major:minor in hex as stat prints them; owned by the image's user (1234:2345)
            "/dev/example-null0 character special file 1:3 1234:2345 666\n"
                + "/dev/example-zero0 character special file 1:5 1234:2345 666\n"
                + "/dev/example-full0 character special file 1:7 1234:2345 666\n"
                + "null-takes-writes\n"
                + " 00 00 00\n"
                + "full-is-full\n"
                + "/opt/example from-cdi\n"
                + "not really a library\n"
                + "lib-read-only\n");
    assertThat(r.err()).contains("No space left on device");
    assertThat(Files.readString(markers.resolve("createRuntime"))).isEqualTo("created\n");
    assertThat(Files.readString(markers.resolve("poststop"))).isEqualTo("stopped\n");
  }

  @ParameterizedTest
  @ValueSource(strings = {"crun", "runc"})
  void withoutTheDeviceItsPathIsAbsentAndTheCgroupDeniesIt(String runtime) throws Exception {
    // /dev/loop-control is not one of the OCI default devices (null, zero, full, tty, random,
    // urandom, ptmx), which every runtime allows whatever the spec says: here the rule is ours.
    Launcher.Result with =
        exec(
            runtime,
            "busybox stat -c '%t:%T' /dev/example-loopctl; (exec 3< /dev/example-loopctl)"
                + " && echo read-ok; (echo x > /dev/example-loopctl) 2>&1 | grep -o 'not permitted'",
            "--user",
            "root",
            "--device",
            "example.com/loop=ctl");
    assertThat(with.status()).as(with.err()).isZero();
    assertThat(with.out()).isEqualTo("a:ed\nread-ok\nnot permitted\n");

    Launcher.Result without =
        exec(
            runtime,
            "ls /dev/example-loopctl /dev/example-null0 2>&1 | grep -c 'No such file';"
                + " busybox mknod /dev/lc c 10 237 && (cat /dev/lc 2>&1 | grep -o 'not permitted')",
            "--user",
            "root");
    assertThat(without.status()).as(without.err()).isZero();
    assertThat(without.out()).isEqualTo("2\nnot permitted\n");
  }

  @Test
  void unresolvableNamesAreRefusedBeforeAnythingIsMounted() throws Exception {
    String before = Files.readString(Path.of("/proc/self/mountinfo"));
    Launcher.Result r =
        exec(
            "crun",
            "echo ran",
            "--device",
            "example.com/dev=null1,example.com/dev=null0",
            "--device",
            "vendor.org/fpga=0");
    assertThat(r.status()).isEqualTo(1);
    assertThat(r.out()).isEmpty();
    assertThat(r.err())
        .isEqualTo(
            "sifctl: error: unresolvable CDI devices: example.com/dev=null1 (did you mean"
                + " example.com/dev=null0?), vendor.org/fpga=0\n");
    assertThat(Files.readString(Path.of("/proc/self/mountinfo"))).isEqualTo(before);
    assertThat(Launcher.sifctl("exec", "--device", "gpu0", image.toString(), "true").err())
        .isEqualTo(
            "sifctl: error: \"gpu0\" is not a CDI device name (vendor/class=name): no '='\n");
  }

  @ParameterizedTest
  @ValueSource(strings = {"crun", "runc"})
  void aHookThatWritesIntoAReadOnlyRootIsExplained(String runtime) throws Exception {
    Path dir = Files.createDirectories(shared.resolve("hook-" + runtime));
    Files.writeString(
        dir.resolve("hook.yaml"),
        """
        cdiVersion: "0.3.0"
        kind: example.com/hook
        devices:
        - name: writer
          containerEdits:
            hooks:
            - hookName: createContainer
              path: /bin/sh
              args: [sh, -c, 'b=$(sed -n "s/.*\\"bundle\\":\\"\\([^\\"]*\\)\\".*/\\1/p"); touch "$b/rootfs/hook-wrote"']
        """);
    String[] base = {"exec", "--runtime", runtime, "--cdi-dirs", dir.toString()};
    List<String> writable = new ArrayList<>(List.of(base));
    writable.addAll(
        List.of("--device", "example.com/hook=writer", image.toString(), "ls", "/hook-wrote"));
    assertThat(Launcher.sifctl(writable.toArray(String[]::new)).ok().out())
        .isEqualTo("/hook-wrote\n");
    List<String> readOnly = new ArrayList<>(List.of(base));
    readOnly.add("--no-compat");
    readOnly.addAll(writable.subList(base.length, writable.size()));
    Launcher.Result r = Launcher.sifctl(readOnly.toArray(String[]::new));
    if (runtime.equals("crun")) {
      // crun makes the root read-only before createContainer hooks (crun#1924): the hook fails.
      assertThat(r.status()).isNotZero();
      assertThat(r.err())
          .contains(
              "CDI device example.com/hook=writer (createContainer hook /bin/sh) runs on a"
                  + " read-only root file system (--no-compat): crun makes the root read-only"
                  + " before such hooks run")
          .contains("error executing hook");
    } else {
      // runc makes it read-only after them: the hook writes, and nothing needs saying.
      assertThat(r.status()).as(r.err()).isZero();
      assertThat(r.err()).doesNotContain("read-only root");
    }
  }

  /**
   * The inventory sifctl keeps between runs (/run/sifkube/cdi): a spec file changed since, even to
   * the same size, gives the new edits; so does one renamed over it. Files are dated back, as files
   * changed in the last 2 s are read at every run and not cached.
   */
  @Test
  void sifctlsInventoryCacheFollowsChangedSpecFiles() throws Exception {
    Path dir = Files.createDirectories(shared.resolve("cached"));
    Path spec = dir.resolve("v.yaml");
    String text =
        "cdiVersion: \"0.3.0\"\nkind: example.com/cache\ndevices:\n"
            + "- {name: a, containerEdits: {env: [WHICH=one]}}\n";
    Files.writeString(spec, text);
    Files.setLastModifiedTime(spec, FileTime.fromMillis(System.currentTimeMillis() - 60_000));
    String[] run = {
      "exec",
      "--cdi-dirs",
      dir.toString(),
      "--device",
      "example.com/cache=a",
      image.toString(),
      "/bin/sh",
      "-c",
      "echo $WHICH"
    };
    assertThat(Launcher.sifctl(run).ok().out()).isEqualTo("one\n");
    assertThat(Launcher.sifctl(run).ok().out()).as("from the cache").isEqualTo("one\n");
    try (var indexes = Files.list(Path.of("/run/sifkube/cdi"))) {
      assertThat(
              indexes
                  .filter(f -> f.getFileName().toString().endsWith(".idx"))
                  .anyMatch(
                      f -> {
                        try {
                          return Files.readString(f).contains(spec.toString());
                        } catch (java.io.IOException e) {
                          return false;
                        }
                      }))
          .as("an index of the directory in sifctl's cache")
          .isTrue();
    }
    Files.writeString(spec, text.replace("one", "two"));
    Files.setLastModifiedTime(spec, FileTime.fromMillis(System.currentTimeMillis() - 50_000));
    assertThat(Launcher.sifctl(run).ok().out()).isEqualTo("two\n");
    Path other = dir.resolve("new.tmp");
    Files.writeString(other, text.replace("one", "six"));
    Files.setLastModifiedTime(other, FileTime.fromMillis(System.currentTimeMillis() - 50_000));
    Files.move(other, spec, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    assertThat(Launcher.sifctl(run).ok().out()).isEqualTo("six\n");
    Files.delete(spec);
    assertThat(Launcher.sifctl(run).err())
        .contains("unresolvable CDI devices: example.com/cache=a");
  }

  @Test
  void cdiListAndValidate() throws Exception {
    Launcher.Result list = Launcher.sifctl("cdi", "list", "--cdi-dirs", cdi.toString());
    assertThat(list.ok().out())
        .isEqualTo(
            "DEVICE                  CDI VERSION   SPEC FILE\n"
                + line("example.com/dev=all", "example.yaml")
                + line("example.com/dev=full0", "example.yaml")
                + line("example.com/dev=null0", "example.yaml")
                + line("example.com/dev=zero0", "example.yaml")
                + line("example.com/loop=ctl", "loop.json"));
    String json =
        Launcher.sifctl("cdi", "list", "--cdi-dirs", cdi.toString(), "-o", "json").ok().out();
    assertThat(json).contains("\"name\" : \"example.com/loop=ctl\"").contains("\"errors\" : [ ]");

    Path bad = Files.writeString(shared.resolve("bad.yaml"), "cdiVersion: 0.3.0\nkind: v.com/c\n");
    Path yml = Files.writeString(shared.resolve("spec.yml"), exampleSpec(markers, hostDir));
    Launcher.Result v =
        Launcher.sifctl(
            "cdi",
            "validate",
            cdi.resolve("example.yaml").toString(),
            bad.toString(),
            yml.toString());
    assertThat(v.status()).isEqualTo(1);
    assertThat(v.out())
        .isEqualTo(
            cdi.resolve("example.yaml")
                + ": ok: example.com/dev, 4 device(s) (null0, zero0, full0, all), cdiVersion 0.5.0"
                + " (needs 0.5.0)\n"
                + bad
                + ": devices (line 1): no devices (a spec must define at least one)\n"
                + yml
                + ": valid, but not read from a spec directory: the name must end in .json or"
                + " .yaml\n");
  }

  private static String line(String device, String file) {
    return String.format("%-24s0.5.0         %s%n", device, cdi.resolve(file));
  }
}
