package io.sifkube.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sifkube.cdi.CdiException;
import io.sifkube.cdi.CdiRegistry;
import io.sifkube.cdi.HostNodes;
import io.sifkube.cdi.Injection;
import io.sifkube.cdi.Inventory;
import io.sifkube.cdi.SpecEditor;
import io.sifkube.json.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Sifkube's CDI resolver against the reference Go library, as Debian packages it (0.5.2, which
 * reads specs up to cdiVersion 0.5.0): a small injector built from it (src/test/go/cdi-reference)
 * and {@link SpecEditor} edit the same runtime spec for the same spec files and names, and must
 * agree on env, device nodes, cgroup rules, mounts, hooks and the user; and both must refuse the
 * same broken files. Where the reference's later versions changed behaviour (host file modes, env
 * keys already in the spec, the order of mounts of equal depth), the case shows both sides.
 */
class CdiReferenceIT {

  @TempDir static Path shared;
  private static Path injector;

  /** The spec RuntimeSpec would have built, in the parts CDI edits. */
  static final String BASE =
      """
      {"ociVersion":"1.0.2","process":{"user":{"uid":1234,"gid":2345},
        "env":["PATH=/bin","FOO=1"],"cwd":"/"},"root":{"path":"rootfs"},
       "mounts":[{"destination":"/proc","type":"proc","source":"proc"},
                 {"destination":"/dev","type":"tmpfs","source":"tmpfs"},
                 {"destination":"/tmp","type":"tmpfs","source":"tmpfs"},
                 {"destination":"/etc/hosts","type":"none","source":"/etc/hosts","options":["rbind","ro"]}],
       "linux":{"resources":{"devices":[{"allow":false,"access":"rwm"}]}}}
      """;

  @BeforeAll
  static void buildTheReferenceInjector() throws Exception {
    Path src = Launcher.repoRoot().resolve("e2e/src/test/go/cdi-reference/main.go");
    injector = Launcher.repoRoot().resolve("e2e/target/cdi-reference");
    Launcher.exec(
            List.of("go", "build", "-o", injector.toString(), src.toString()),
            Map.of(
                "GO111MODULE", "off",
                "GOPATH", "/usr/share/gocode",
                "GOCACHE", shared.resolve("gocache").toString(),
                "GOFLAGS", ""))
        .ok();
  }

  /** Spec files (dir index 0 or 1, name, text), names asked for. */
  record Case(String name, List<String[]> files, List<String> devices) {
    @Override
    public String toString() {
      return name;
    }
  }

  static Case c(String name, List<String> devices, String... files) {
    List<String[]> f = new ArrayList<>();
    for (int i = 0; i < files.length; i += 3) {
      f.add(new String[] {files[i], files[i + 1], files[i + 2]});
    }
    return new Case(name, f, devices);
  }

  static String yaml(String version, String kind, String rest) {
    return "cdiVersion: \"" + version + "\"\nkind: " + kind + "\n" + rest;
  }

  static Stream<Case> agreeing() {
    return Stream.of(
        c(
            "a node by path, filled from the host, with the user's ids",
            List.of("v.com/dev=null"),
            "0",
            "v.yaml",
            yaml(
                "0.3.0",
                "v.com/dev",
                "devices:\n- {name: \"null\", containerEdits: {deviceNodes: [{path: /dev/null}]}}\n")),
        c(
            "renamed nodes, permissions, explicit ids and a minimal node",
            List.of("v.com/dev=a", "v.com/dev=b"),
            "0",
            "v.yaml",
            yaml(
                "0.5.0",
                "v.com/dev",
                "devices:\n"
                    + "- name: a\n  containerEdits:\n    deviceNodes:\n"
                    + "    - {path: /dev/fpga0, hostPath: /dev/zero, permissions: rw, uid: 0, gid: 44}\n"
                    + "    - {path: /dev/fpga-ctl, type: c, major: 240, minor: 3, fileMode: 384}\n"
                    + "- name: b\n  containerEdits:\n    deviceNodes: [{path: /dev/loopctl, hostPath: /dev/loop-control, permissions: r}]\n")),
        c(
            "spec-level and device edits, env, mounts of every depth, all hook stages",
            List.of("nvidia.com/gpu=0", "nvidia.com/gpu=1"),
            "1",
            "nvidia.json",
            """
            {"cdiVersion":"0.5.0","kind":"nvidia.com/gpu",
             "containerEdits":{"env":["NVIDIA_VISIBLE_DEVICES=void","NVIDIA_CTK_LIBCUDA_DIR=/usr/lib"],
               "deviceNodes":[{"path":"/dev/nvidiactl","hostPath":"/dev/null"}],
               "mounts":[{"hostPath":"/usr/lib/x86_64-linux-gnu","containerPath":"/usr/lib/x86_64-linux-gnu/vendor","options":["ro","nosuid","nodev","bind"]},
                         {"hostPath":"/usr/bin/true","containerPath":"/usr/bin/nvidia-smi","options":["ro","nosuid","nodev","bind"]},
                         {"hostPath":"tmpfs","containerPath":"/scratch","type":"tmpfs","options":["size=1m"]}],
               "hooks":[{"hookName":"createContainer","path":"/usr/bin/nvidia-cdi-hook","args":["nvidia-cdi-hook","update-ldcache"],"env":["NVIDIA_CTK_DEBUG=false"]},
                        {"hookName":"prestart","path":"/bin/true"},{"hookName":"createRuntime","path":"/bin/true","timeout":5},
                        {"hookName":"startContainer","path":"/bin/true"},{"hookName":"poststart","path":"/bin/true"},
                        {"hookName":"poststop","path":"/bin/true"}]},
             "devices":[{"name":"0","containerEdits":{"deviceNodes":[{"path":"/dev/nvidia0","hostPath":"/dev/zero"}],"env":["GPU0=1"]}},
                        {"name":"1","containerEdits":{"deviceNodes":[{"path":"/dev/nvidia1","hostPath":"/dev/full"}]}}]}
            """),
        c(
            "a later directory overrides a device with its own spec-level edits",
            List.of("vendor.com/cls=a", "vendor.com/cls=b"),
            "0",
            "v.yaml",
            yaml(
                "0.3.0",
                "vendor.com/cls",
                "containerEdits: {env: [FROM=etc]}\ndevices:\n- {name: a, containerEdits: {env: [A=etc]}}\n- {name: b, containerEdits: {env: [B=etc]}}\n"),
            "1",
            "v.yaml",
            yaml(
                "0.3.0",
                "vendor.com/cls",
                "containerEdits: {env: [FROM=run]}\ndevices:\n- {name: a, containerEdits: {env: [A=run]}}\n")),
        c(
            "a mount replacing one at the same destination, and the later device's env winning",
            List.of("vendor.com/cls=a", "vendor.com/cls=b"),
            "0",
            "v.yaml",
            yaml(
                "0.4.0",
                "vendor.com/cls",
                "devices:\n- {name: a, containerEdits: {env: [V=a], mounts: [{hostPath: /etc/hostname, containerPath: /etc/hosts, type: bind, options: [ro, bind]}]}}\n"
                    + "- {name: b, containerEdits: {env: [V=b]}}\n")),
        c(
            "the same device twice at one priority is not offered; the files' others are",
            List.of("vendor.com/cls=b"),
            "0",
            "x.yaml",
            yaml(
                "0.3.0",
                "vendor.com/cls",
                "devices:\n- {name: a, containerEdits: {env: [A=x]}}\n- {name: b, containerEdits: {env: [B=x]}}\n"),
            "0",
            "y.yaml",
            yaml(
                "0.3.0",
                "vendor.com/cls",
                "devices:\n- {name: a, containerEdits: {env: [A=y]}}\n")));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("agreeing")
  void bothEditTheSpecAlike(Case k) throws Exception {
    Path[] dirs = write(k);
    ObjectNode reference = reference(dirs, k.devices());
    Injection injection =
        new CdiRegistry(List.of(dirs)).scan().resolve(k.devices(), HostNodes.SYSTEM);
    ObjectNode ours = ours(injection);
    // The reference fills an unset fileMode from the host only since v1.1.0; 0.5.2 leaves it out.
    for (JsonNode d : ours.path("linux").path("devices")) {
      JsonNode theirs = byPath(reference.path("linux").path("devices"), d.get("path").asText());
      if (!theirs.has("fileMode") && d.has("fileMode")) {
        String host =
            injection.edits().deviceNodes().stream()
                .filter(n -> n.path().equals(d.get("path").asText()))
                .findFirst()
                .orElseThrow()
                .hostNode();
        assertThat(d.get("fileMode").asInt())
            .as("fileMode of %s from the host's %s", d.get("path"), host)
            .isEqualTo(HostNodes.SYSTEM.lstat(host).mode());
        ((ObjectNode) d).remove("fileMode");
      }
    }
    for (String part :
        List.of("/process/env", "/process/user", "/linux/devices", "/linux/resources", "/hooks")) {
      assertThat(ours.at(part)).as(part).isEqualTo(reference.at(part));
    }
    // 0.5.2 orders mounts of one depth by destination; later versions keep their order (stable).
    assertThat(byDepthThenName(ours.path("mounts")))
        .isEqualTo(byDepthThenName(reference.path("mounts")));
    assertThat(depths(ours.path("mounts"))).isSorted();
  }

  @Test
  void anEnvKeyTheSpecHasIsReplacedHereWhereTheReferenceAppendsIt() throws Exception {
    Case k =
        c(
            "env",
            List.of("vendor.com/cls=a"),
            "0",
            "v.yaml",
            yaml(
                "0.3.0",
                "vendor.com/cls",
                "devices:\n- {name: a, containerEdits: {env: [FOO=2]}}\n"));
    Path[] dirs = write(k);
    assertThat(reference(dirs, k.devices()).at("/process/env").toString())
        .isEqualTo("[\"PATH=/bin\",\"FOO=1\",\"FOO=2\"]");
    assertThat(ours(dirs, k.devices()).at("/process/env").toString())
        .as("as the reference's main branch does (PR #317): one entry per key")
        .isEqualTo("[\"PATH=/bin\",\"FOO=2\"]");
  }

  @Test
  void aOneLetterClassWorksHereWhereTheReferencePanics() throws Exception {
    // The reference panicked on one-character vendors and classes up to v1.1.0 (fixed by #321).
    Case k =
        c(
            "one letter",
            List.of("v.com/c=a"),
            "0",
            "v.yaml",
            yaml("0.3.0", "v.com/c", "devices:\n- {name: a, containerEdits: {env: [A=1]}}\n"));
    Path[] dirs = write(k);
    Launcher.Result ref = injectWithReference(dirs, k.devices());
    assertThat(ref.status()).isNotZero();
    assertThat(ref.err()).contains("panic: runtime error: slice bounds out of range");
    assertThat(ours(dirs, k.devices()).at("/process/env").toString())
        .isEqualTo("[\"PATH=/bin\",\"FOO=1\",\"A=1\"]");
  }

  @Test
  void bothRefuseTheSameNames() throws Exception {
    Case k =
        c(
            "names",
            List.of(),
            "0",
            "v.yaml",
            yaml(
                "0.3.0",
                "vendor.com/cls",
                "devices:\n- {name: a, containerEdits: {env: [A=1]}}\n"));
    Path[] dirs = write(k);
    for (List<String> names :
        List.of(
            List.of("vendor.com/cls=b"),
            List.of("vendor.com/cls=a", "other.com/x=y"),
            List.of("vendor.com/cls"),
            List.of("c=a"))) {
      Launcher.Result ref = injectWithReference(dirs, names);
      assertThat(ref.status()).as("reference refuses %s", names).isEqualTo(1);
      Inventory inv = new CdiRegistry(List.of(dirs)).scan();
      assertThatThrownBy(() -> inv.resolve(names, HostNodes.SYSTEM))
          .as("we refuse %s", names)
          .isInstanceOf(CdiException.class);
    }
  }

  /** Broken files: the reference drops each, and so do we (where we are stricter, it says). */
  @Test
  void bothDropTheSameBrokenFiles() throws Exception {
    Path etc = Files.createDirectories(shared.resolve("broken/etc"));
    Map<String, String> broken =
        Map.of(
            "unknown-field.yaml",
                yaml(
                    "0.3.0",
                    "vendor.com/cls",
                    "devices:\n- {name: a, containerEdits: {env: [A=1]}, colour: red}\n"),
            "unknown-version.yaml",
                yaml(
                    "0.9.0",
                    "vendor.com/cls",
                    "devices:\n- {name: a, containerEdits: {env: [A=1]}}\n"),
            "bad-kind.yaml",
                yaml("0.3.0", "v.com", "devices:\n- {name: a, containerEdits: {env: [A=1]}}\n"),
            "bad-name.yaml",
                yaml(
                    "0.3.0",
                    "vendor.com/cls",
                    "devices:\n- {name: \"a=b\", containerEdits: {env: [A=1]}}\n"),
            "bad-env.yaml",
                yaml(
                    "0.3.0",
                    "vendor.com/cls",
                    "devices:\n- {name: a, containerEdits: {env: [\"=x\"]}}\n"),
            "bad-hook.yaml",
                yaml(
                    "0.3.0",
                    "vendor.com/cls",
                    "devices:\n- {name: a, containerEdits: {hooks: [{hookName: preStart, path: /bin/true}]}}\n"),
            "bad-type.yaml",
                yaml(
                    "0.3.0",
                    "vendor.com/cls",
                    "devices:\n- {name: a, containerEdits: {deviceNodes: [{path: /dev/x, type: x}]}}\n"),
            "bad-permissions.yaml",
                yaml(
                    "0.3.0",
                    "vendor.com/cls",
                    "devices:\n- {name: a, containerEdits: {deviceNodes: [{path: /dev/null, permissions: rwx}]}}\n"),
            "twice.yaml",
                yaml(
                    "0.3.0",
                    "vendor.com/cls",
                    "devices:\n- {name: a, containerEdits: {env: [A=1]}}\n- {name: a, containerEdits: {env: [A=2]}}\n"));
    // (Each file is of a kind of its own: two files defining one device would only conflict.)
    // Dropped here, kept by 0.5.2: what the spec forbids but that library does not check yet
    // (minimum versions came in its 0.6), or checks nowhere (absolute hook and container paths,
    // case-variant keys, which Go's decoder matches case-insensitively).
    Map<String, String> stricter =
        Map.of(
            "version-too-low.yaml",
            yaml(
                "0.4.0",
                "vendor.com/version",
                "devices:\n- {name: a, containerEdits: {deviceNodes: [{path: /dev/x, hostPath: /dev/null}]}}\n"),
            "relative-hook.yaml",
            yaml(
                "0.3.0",
                "vendor.com/hook",
                "devices:\n- {name: a, containerEdits: {hooks: [{hookName: poststop, path: bin/true}]}}\n"),
            "relative-mount.yaml",
            yaml(
                "0.3.0",
                "vendor.com/mount",
                "devices:\n- {name: a, containerEdits: {mounts: [{hostPath: /a, containerPath: a}]}}\n"),
            "case-variant.yaml",
            yaml(
                "0.3.0",
                "vendor.com/case",
                "devices:\n- {name: a, containerEdits: {Env: [A=1]}}\n"));
    for (Map<String, String> m : List.of(broken, stricter)) {
      for (Map.Entry<String, String> e : m.entrySet()) {
        Files.writeString(etc.resolve(e.getKey()), e.getValue());
      }
    }
    Files.writeString(
        etc.resolve("fine.yaml"),
        yaml("0.3.0", "vendor.com/ok", "devices:\n- {name: a, containerEdits: {env: [A=1]}}\n"));
    String theirs =
        Launcher.exec(List.of(injector.toString(), "-errors", etc.toString())).ok().out();
    TreeSet<String> refDropped = new TreeSet<>();
    for (JsonNode p : Json.read(theirs)) {
      refDropped.add(Path.of(p.asText()).getFileName().toString());
    }
    TreeSet<String> ourDropped = new TreeSet<>();
    new CdiRegistry(List.of(etc))
        .scan()
        .errors()
        .forEach(x -> ourDropped.add(Path.of(x.path()).getFileName().toString()));
    TreeSet<String> all = new TreeSet<>(broken.keySet());
    all.addAll(stricter.keySet());
    assertThat(ourDropped).isEqualTo(all);
    assertThat(refDropped).isEqualTo(new TreeSet<>(broken.keySet()));
  }

  private static Path[] write(Case k) throws Exception {
    Path root = Files.createTempDirectory(shared, "case");
    Path[] dirs = {root.resolve("etc"), root.resolve("run")};
    for (String[] f : k.files()) {
      Path d = Files.createDirectories(dirs[Integer.parseInt(f[0])]);
      Files.writeString(d.resolve(f[1]), f[2]);
    }
    return dirs;
  }

  private static Launcher.Result injectWithReference(Path[] dirs, List<String> names)
      throws Exception {
    Path base = Files.writeString(dirs[0].getParent().resolve("base.json"), BASE);
    List<String> cmd =
        new ArrayList<>(List.of(injector.toString(), dirs[0] + "," + dirs[1], base.toString()));
    cmd.addAll(names);
    return Launcher.exec(cmd);
  }

  private static ObjectNode reference(Path[] dirs, List<String> names) throws Exception {
    return (ObjectNode) Json.read(injectWithReference(dirs, names).ok().out());
  }

  private static ObjectNode ours(Path[] dirs, List<String> names) throws Exception {
    return ours(new CdiRegistry(List.of(dirs)).scan().resolve(names, HostNodes.SYSTEM));
  }

  private static ObjectNode ours(Injection injection) throws Exception {
    ObjectNode spec = (ObjectNode) Json.read(BASE);
    SpecEditor.apply(spec, injection, false);
    // through bytes, so that numbers compare as the reference's do
    return (ObjectNode) Json.read(Json.bytes(spec));
  }

  private static JsonNode byPath(JsonNode devices, String path) {
    for (JsonNode d : devices) {
      if (d.path("path").asText().equals(path)) {
        return d;
      }
    }
    return Json.object();
  }

  private static List<String> byDepthThenName(JsonNode mounts) {
    List<JsonNode> all = new ArrayList<>();
    mounts.forEach(all::add);
    all.sort(
        Comparator.<JsonNode>comparingInt(m -> SpecEditorDepth.of(m.path("destination").asText()))
            .thenComparing(m -> m.path("destination").asText()));
    return all.stream().map(JsonNode::toString).toList();
  }

  private static List<Integer> depths(JsonNode mounts) {
    List<Integer> out = new ArrayList<>();
    mounts.forEach(m -> out.add(SpecEditorDepth.of(m.path("destination").asText())));
    return out;
  }

  /** The depth rule both sides sort by: the number of '/' in the cleaned destination. */
  static final class SpecEditorDepth {
    static int of(String destination) {
      String clean = Path.of(destination).normalize().toString();
      return (int) clean.chars().filter(c -> c == '/').count();
    }
  }
}
