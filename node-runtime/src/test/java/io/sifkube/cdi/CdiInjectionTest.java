package io.sifkube.cdi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sifkube.json.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Spec files in, runtime-spec fragment (or refusal) out: each case writes spec files into two
 * directories (0: the static one, 1: the higher-priority generated one), asks for devices, and
 * checks the exact fragments of the resulting OCI spec, or that the request is refused, the file
 * dropped with a message naming the file and field, and the spec left as it was. Expected values
 * are those of the reference library's main branch unless the case says otherwise.
 */
class CdiInjectionTest {

  /** The host's nodes as these tests see them. */
  static final HostNodes HOST =
      path ->
          switch (path) {
            case "/dev/null" -> new HostNodes.Node("c", 1, 3, 0666);
            case "/dev/zero" -> new HostNodes.Node("c", 1, 5, 0666);
            case "/dev/sda" -> new HostNodes.Node("b", 8, 0, 0660);
            case "/dev/fifo" -> new HostNodes.Node("p", 0, 0, 0600);
            case "/dev/by-path/x" -> throw new IOException("not a device node");
            default -> throw new NoSuchFileException(path);
          };

  /** A base spec as RuntimeSpec leaves it, in miniature: user 1000:1000, an image env. */
  static final String BASE =
      """
      {"process":{"user":{"uid":1000,"gid":1000},"env":["PATH=/bin","FOO=1"]},
       "mounts":[{"destination":"/proc","type":"proc","source":"proc"},
                 {"destination":"/dev","type":"tmpfs","source":"tmpfs"},
                 {"destination":"/usr/lib/x","type":"none","source":"/a"},
                 {"destination":"/tmp","type":"tmpfs","source":"tmpfs"}],
       "linux":{"resources":{"devices":[{"allow":false,"access":"rwm"}]}}}
      """;

  /** One case: files, a request, and what must come of it. */
  static final class Case {
    final String name;
    final List<String[]> files = new ArrayList<>();
    final List<String> request = new ArrayList<>();
    final Map<String, String> expect = new LinkedHashMap<>();
    boolean userns;
    String base = BASE;
    String refused;
    String fileError;

    Case(String name) {
      this.name = name;
    }

    Case file(int dir, String file, String text) {
      files.add(new String[] {Integer.toString(dir), file, text});
      return this;
    }

    Case yaml(String text) {
      return file(0, "spec.yaml", text);
    }

    Case request(String... names) {
      request.addAll(List.of(names));
      return this;
    }

    Case expect(String pointer, String json) {
      expect.put(pointer, json);
      return this;
    }

    Case userns() {
      userns = true;
      return this;
    }

    Case base(String json) {
      base = json;
      return this;
    }

    /** The request is refused with a message containing {@code message}. */
    Case refused(String message) {
      refused = message;
      return this;
    }

    /** A file is dropped (or a device withdrawn) with an error containing {@code message}. */
    Case dropped(String message) {
      fileError = message;
      return this;
    }

    /** A file is dropped with an error containing {@code message}; the request then fails. */
    Case badFile(String message) {
      dropped(message);
      if (request.isEmpty()) {
        request.add("v.com/c=a");
      }
      refused = refused == null ? "unresolvable CDI devices: v.com/c=a" : refused;
      return this;
    }

    @Override
    public String toString() {
      return name;
    }
  }

  static Case c(String name) {
    return new Case(name);
  }

  /** A YAML spec of kind v.com/c at {@code version} with one device "a" whose edits are given. */
  static String one(String version, String deviceEdits) {
    return "cdiVersion: \""
        + version
        + "\"\nkind: v.com/c\ndevices:\n- name: a\n  containerEdits:\n"
        + deviceEdits.indent(4);
  }

  static final String NULL_NODE = "deviceNodes: [{path: /dev/null}]";

  static Stream<Case> cases() {
    return Stream.of(
        // --- versions ---
        c("0.2.0 is a pre-release: refused")
            .yaml(one("0.2.0", NULL_NODE))
            .badFile("must be at least 0.3.0"),
        c("0.6 is not a version")
            .yaml(one("0.6", "env: [A=1]"))
            .badFile("cdiVersion (line 1): invalid version \"0.6\""),
        c("1.2.0 is not a version yet")
            .yaml(one("1.2.0", "env: [A=1]"))
            .badFile("invalid version \"1.2.0\""),
        c("v0.6.0 is accepted")
            .yaml(one("v0.6.0", "env: [A=1]"))
            .request("v.com/c=a")
            .expect("/process/env", "[\"PATH=/bin\",\"FOO=1\",\"A=1\"]"),
        c("0.4.0 with hostPath needs 0.5.0")
            .yaml(one("0.4.0", "deviceNodes: [{path: /dev/x, hostPath: /dev/null}]"))
            .badFile(
                "cdiVersion (line 1): 0.4.0 is too low: deviceNodes[].hostPath needs at least 0.5.0"),
        c("0.6.0 with additionalGids needs 0.7.0")
            .yaml(one("0.6.0", "additionalGids: [5]"))
            .badFile("additionalGids needs at least 0.7.0"),
        c("0.3.0 with a mount type needs 0.4.0")
            .yaml(one("0.3.0", "mounts: [{hostPath: tmpfs, containerPath: /t, type: tmpfs}]"))
            .badFile("mounts[].type needs at least 0.4.0"),
        c("0.4.0 with a device name starting with a digit needs 0.5.0")
            .yaml(
                "cdiVersion: 0.4.0\nkind: v.com/c\ndevices:\n- name: '0'\n  containerEdits: {env: [A=1]}\n")
            .request("v.com/c=0")
            .badFile("not starting with a letter needs at least 0.5.0")
            .refused("unresolvable CDI devices: v.com/c=0"),
        c("0.5.0 with annotations needs 0.6.0")
            .yaml(
                "cdiVersion: 0.5.0\nkind: v.com/c\nannotations: {x: y}\ndevices:\n- name: a\n  containerEdits: {env: [A=1]}\n")
            .badFile("annotations needs at least 0.6.0"),
        c("0.5.0 with a dot in the class needs 0.6.0")
            .yaml(
                "cdiVersion: 0.5.0\nkind: v.com/c.x\ndevices:\n- name: a\n  containerEdits: {env: [A=1]}\n")
            .request("v.com/c.x=a")
            .badFile("a '.' in the class of kind v.com/c.x needs at least 0.6.0")
            .refused("unresolvable CDI devices: v.com/c.x=a"),
        c("1.0.0 with netDevices needs 1.1.0")
            .yaml(one("1.0.0", "netDevices: [{hostInterfaceName: eth1, name: net0}]"))
            .badFile("netDevices needs at least 1.1.0"),
        c("enableCMT was removed in 1.1.0")
            .yaml(one("1.1.0", "intelRdt: {closID: x, enableCMT: true}"))
            .badFile(
                "containerEdits.intelRdt.enableCMT (line 6): unknown field (removed in CDI 1.1.0"),
        // --- strictness ---
        c("an unknown key drops the file")
            .yaml(one("0.3.0", "env: [A=1]\ncolour: red"))
            .badFile("devices[0].containerEdits.colour (line 7): unknown field"),
        c("a duplicate YAML key drops the file")
            .yaml(one("0.3.0", "env: [A=1]\nenv: [B=2]"))
            .badFile("Duplicate field 'env'"),
        c("a duplicate JSON key drops the file")
            .file(
                0,
                "s.json",
                "{\"cdiVersion\":\"0.3.0\",\"kind\":\"v.com/c\",\"kind\":\"v.com/d\",\"devices\":[]}")
            .badFile("s.json: not valid JSON"),
        c("keys are case-sensitive (Go accepts DeviceNodes; refused here)")
            .yaml(one("0.3.0", "DeviceNodes: [{path: /dev/null}]"))
            .badFile("unknown field (did you mean deviceNodes? keys are case-sensitive)"),
        c("a device with empty edits drops the whole file")
            .yaml(
                "cdiVersion: 0.3.0\nkind: v.com/c\ndevices:\n- {name: a, containerEdits: {env: [A=1]}}\n- {name: b, containerEdits: {}}\n")
            .badFile("devices[1].containerEdits (line 5): empty: a device must edit the container"),
        c("a device defined twice in one file")
            .yaml(
                "cdiVersion: 0.3.0\nkind: v.com/c\ndevices:\n- {name: a, containerEdits: {env: [A=1]}}\n- {name: a, containerEdits: {env: [A=2]}}\n")
            .badFile("device \"a\" is defined twice"),
        c("a spec without devices")
            .yaml("cdiVersion: 0.3.0\nkind: v.com/c\ndevices: []\n")
            .badFile("no devices"),
        c("a kind without a class")
            .yaml(
                "cdiVersion: 0.3.0\nkind: v.com\ndevices:\n- {name: a, containerEdits: {env: [A=1]}}\n")
            .badFile("kind (line 2): \"v.com\" is not vendor/class"),
        c("env without a name")
            .yaml(one("0.3.0", "env: [\"=oops\"]"))
            .badFile("containerEdits.env[0] (line 6): \"=oops\" is not NAME=VALUE"),
        c("env without a value sign")
            .yaml(one("0.3.0", "env: [NOVALUE]"))
            .badFile("\"NOVALUE\" is not NAME=VALUE"),
        c("EMPTY= is a valid env entry")
            .yaml(one("0.3.0", "env: [EMPTY=]"))
            .request("v.com/c=a")
            .expect("/process/env", "[\"PATH=/bin\",\"FOO=1\",\"EMPTY=\"]"),
        c("hook stage names are case-sensitive")
            .yaml(one("0.3.0", "hooks: [{hookName: preStart, path: /bin/true}]"))
            .badFile(
                "hooks[0].hookName (line 6): \"preStart\" is not one of prestart, createRuntime"),
        c("a relative hook path (stricter than Go, as the spec says)")
            .yaml(one("0.3.0", "hooks: [{hookName: poststop, path: bin/true}]"))
            .badFile("hooks[0].path (line 6): \"bin/true\" is not an absolute path"),
        c("a device type that does not exist")
            .yaml(one("0.3.0", "deviceNodes: [{path: /dev/x, type: x}]"))
            .badFile("\"x\" is not b, c, u or p"),
        c("permissions rwx")
            .yaml(one("0.3.0", "deviceNodes: [{path: /dev/null, permissions: rwx}]"))
            .badFile("\"rwx\" is not made of r, w and m"),
        // --- YAML 1.1 scalars ---
        c("unquoted 0600 as a name is the number 384 to the reference: refused")
            .yaml(
                "cdiVersion: 0.5.0\nkind: v.com/c\ndevices:\n- name: 0600\n  containerEdits: {env: [A=1]}\n")
            .request("v.com/c=0600")
            .badFile("devices[0].name (line 4): unquoted 0600 is the number 384 in YAML 1.1")
            .refused("unresolvable CDI devices: v.com/c=0600"),
        c("unquoted yes as a name is a boolean: refused")
            .yaml(
                "cdiVersion: 0.3.0\nkind: v.com/c\ndevices:\n- name: yes\n  containerEdits: {env: [A=1]}\n")
            .request("v.com/c=yes")
            .badFile("unquoted yes is the boolean true in YAML 1.1")
            .refused("unresolvable CDI devices: v.com/c=yes"),
        c("unquoted 0.6 as a version is a number: refused")
            .yaml(
                "cdiVersion: 0.6\nkind: v.com/c\ndevices:\n- {name: a, containerEdits: {env: [A=1]}}\n")
            .badFile("cdiVersion (line 1): unquoted 0.6 is a number in YAML; quote it"),
        c("unquoted 0 and 1:0 read as written (as go-yaml v2 reads them)")
            .yaml(
                "cdiVersion: 0.5.0\nkind: v.com/gpu\ndevices:\n- name: 0\n  containerEdits: {env: [G=0]}\n- name: 1:0\n  containerEdits: {env: [M=1]}\n")
            .request("v.com/gpu=0", "v.com/gpu=1:0")
            .expect("/process/env", "[\"PATH=/bin\",\"FOO=1\",\"G=0\",\"M=1\"]"),
        c("fileMode 0600 is octal, as the reference reads it")
            .yaml(one("0.3.0", "deviceNodes: [{path: /dev/null, fileMode: 0600}]"))
            .request("v.com/c=a")
            .expect(
                "/linux/devices",
                "[{\"path\":\"/dev/null\",\"type\":\"c\",\"major\":1,\"minor\":3,\"fileMode\":384,\"uid\":1000,\"gid\":1000}]"),
        c("a .yml file is not read")
            .file(0, "spec.yml", one("0.3.0", "env: [A=1]"))
            .request("v.com/c=a")
            .refused("unresolvable CDI devices: v.com/c=a (no device is offered here)"),
        c("a broken file does not stop the others")
            .file(0, "a-broken.yaml", "cdiVersion: 0.3.0\nkind: v.com/c\ndevices: [{name: b}]\n")
            .file(0, "b-good.yaml", one("0.3.0", "env: [A=1]"))
            .request("v.com/c=a")
            .expect("/process/env", "[\"PATH=/bin\",\"FOO=1\",\"A=1\"]"),
        // --- directories and priority ---
        c("a later directory overrides one device, with its own spec-level edits")
            .file(
                0,
                "v.yaml",
                "cdiVersion: 0.3.0\nkind: v.com/c\ncontainerEdits: {env: [FROM=etc]}\ndevices:\n- {name: a, containerEdits: {env: [A=etc]}}\n- {name: b, containerEdits: {env: [B=etc]}}\n")
            .file(
                1,
                "v.yaml",
                "cdiVersion: 0.3.0\nkind: v.com/c\ncontainerEdits: {env: [FROM=run]}\ndevices:\n- {name: a, containerEdits: {env: [A=run]}}\n")
            .request("v.com/c=a", "v.com/c=b")
            .expect("/process/env", "[\"PATH=/bin\",\"FOO=1\",\"FROM=etc\",\"A=run\",\"B=etc\"]"),
        c("the same device twice at one priority is not offered; the files' others are")
            .file(
                0,
                "x.yaml",
                "cdiVersion: 0.3.0\nkind: v.com/c\ndevices:\n- {name: a, containerEdits: {env: [A=x]}}\n- {name: b, containerEdits: {env: [B=x]}}\n")
            .file(
                0,
                "y.json",
                "{\"cdiVersion\":\"0.3.0\",\"kind\":\"v.com/c\",\"devices\":[{\"name\":\"a\",\"containerEdits\":{\"env\":[\"A=y\"]}}]}")
            .request("v.com/c=b")
            .dropped("conflicting device v.com/c=a: defined by")
            .expect("/process/env", "[\"PATH=/bin\",\"FOO=1\",\"B=x\"]"),
        c("a conflicting device is not offered")
            .file(0, "x.yaml", one("0.3.0", "env: [A=x]"))
            .file(0, "y.yaml", one("0.3.0", "env: [A=y]"))
            .badFile("conflicting device v.com/c=a"),
        c("a higher directory resolves a lower conflict (the reference would still drop it)")
            .file(0, "x.yaml", one("0.3.0", "env: [A=x]"))
            .file(0, "y.yaml", one("0.3.0", "env: [A=y]"))
            .file(1, "z.yaml", one("0.3.0", "env: [A=z]"))
            .request("v.com/c=a")
            .expect("/process/env", "[\"PATH=/bin\",\"FOO=1\",\"A=z\"]"),
        // --- names ---
        c("unresolvable names are all listed, with the closest offered, and nothing is edited")
            .yaml(one("0.3.0", "env: [A=1]"))
            .request("v.com/c=a", "v.com/c=b", "other.com/x=y")
            .refused(
                "unresolvable CDI devices: v.com/c=b (did you mean v.com/c=a?), other.com/x=y"),
        c("a device path is not a name")
            .yaml(one("0.3.0", "env: [A=1]"))
            .request("/dev/nvidia0")
            .refused(
                "\"/dev/nvidia0\" is not a CDI device name (vendor/class=name): a device path"),
        c("=all is an ordinary device: it resolves only when defined")
            .yaml(
                "cdiVersion: 0.3.0\nkind: v.com/gpu\ndevices:\n- {name: g0, containerEdits: {env: [G=0]}}\n")
            .request("v.com/gpu=all")
            .refused("unresolvable CDI devices: v.com/gpu=all"),
        c("a device asked for twice is injected once (as containerd dedupes)")
            .yaml(one("0.3.0", "hooks: [{hookName: poststop, path: /bin/true}]"))
            .request("v.com/c=a", "v.com/c=a")
            .expect("/hooks", "{\"poststop\":[{\"path\":\"/bin/true\"}]}"),
        // --- device nodes ---
        c("a node given only by path is filled from the host, with the user's ids and rwm")
            .yaml(one("0.3.0", NULL_NODE))
            .request("v.com/c=a")
            .expect(
                "/linux/devices",
                "[{\"path\":\"/dev/null\",\"type\":\"c\",\"major\":1,\"minor\":3,\"fileMode\":438,\"uid\":1000,\"gid\":1000}]")
            .expect(
                "/linux/resources/devices",
                "[{\"allow\":false,\"access\":\"rwm\"},{\"allow\":true,\"type\":\"c\",\"major\":1,\"minor\":3,\"access\":\"rwm\"}]"),
        c("an explicit uid 0 stays 0; a root user adds no ids")
            .base("{\"process\":{\"user\":{\"uid\":0,\"gid\":0}},\"linux\":{}}")
            .yaml(one("0.3.0", "deviceNodes: [{path: /dev/zero, uid: 0}, {path: /dev/null}]"))
            .request("v.com/c=a")
            .expect(
                "/linux/devices",
                "[{\"path\":\"/dev/zero\",\"type\":\"c\",\"major\":1,\"minor\":5,\"fileMode\":438,\"uid\":0},{\"path\":\"/dev/null\",\"type\":\"c\",\"major\":1,\"minor\":3,\"fileMode\":438}]"),
        c("a renamed node: container path, host numbers")
            .yaml(
                one(
                    "0.5.0",
                    "deviceNodes: [{path: /dev/fpga0, hostPath: /dev/zero, uid: 7, gid: 8}]"))
            .request("v.com/c=a")
            .expect(
                "/linux/devices",
                "[{\"path\":\"/dev/fpga0\",\"type\":\"c\",\"major\":1,\"minor\":5,\"fileMode\":438,\"uid\":7,\"gid\":8}]"),
        c("a host node that is a symlink is not a device node (lstat)")
            .yaml(one("0.5.0", "deviceNodes: [{path: /dev/x, hostPath: /dev/by-path/x}]"))
            .request("v.com/c=a")
            .refused("v.com/c=a: host device /dev/by-path/x: not a device node"),
        c("a missing host node is an error when the spec does not say what it is")
            .yaml(one("0.3.0", "deviceNodes: [{path: /dev/gone}]"))
            .request("v.com/c=a")
            .refused("v.com/c=a: host device /dev/gone: no such file"),
        c("a missing host node is fine when type and major are given (no mode then)")
            .yaml(one("0.3.0", "deviceNodes: [{path: /dev/gone, type: c, major: 42, minor: 7}]"))
            .request("v.com/c=a")
            .expect(
                "/linux/devices",
                "[{\"path\":\"/dev/gone\",\"type\":\"c\",\"major\":42,\"minor\":7,\"uid\":1000,\"gid\":1000}]"),
        c("type b on a character node is a mismatch")
            .yaml(one("0.3.0", "deviceNodes: [{path: /dev/null, type: b}]"))
            .request("v.com/c=a")
            .refused(
                "device node /dev/null is type b in the spec but /dev/null is type c on the host"),
        c("a major without a minor keeps minor 0 (the spec's numbers win)")
            .yaml(one("0.3.0", "deviceNodes: [{path: /dev/null, type: c, major: 1}]"))
            .request("v.com/c=a")
            .expect(
                "/linux/devices/0",
                "{\"path\":\"/dev/null\",\"type\":\"c\",\"major\":1,\"minor\":0,\"fileMode\":438,\"uid\":1000,\"gid\":1000}")
            .expect(
                "/linux/resources/devices/1",
                "{\"allow\":true,\"type\":\"c\",\"major\":1,\"minor\":0,\"access\":\"rwm\"}"),
        c("a block node keeps its type and numbers")
            .yaml(one("0.3.0", "deviceNodes: [{path: /dev/sda, permissions: r}]"))
            .request("v.com/c=a")
            .expect("/linux/devices/0/type", "\"b\"")
            .expect(
                "/linux/resources/devices/1",
                "{\"allow\":true,\"type\":\"b\",\"major\":8,\"minor\":0,\"access\":\"r\"}"),
        c("a fifo gets no cgroup rule")
            .yaml(one("0.3.0", "deviceNodes: [{path: /dev/fifo}]"))
            .request("v.com/c=a")
            .expect(
                "/linux/devices/0",
                "{\"path\":\"/dev/fifo\",\"type\":\"p\",\"major\":0,\"minor\":0,\"fileMode\":384,\"uid\":1000,\"gid\":1000}")
            .expect("/linux/resources/devices", "[{\"allow\":false,\"access\":\"rwm\"}]"),
        c("permissions none give an empty access (main)")
            .yaml(one("0.3.0", "deviceNodes: [{path: /dev/null, permissions: none}]"))
            .request("v.com/c=a")
            .expect("/linux/resources/devices/1/access", "\"\""),
        c("two aliases of one node: one device entry, two rules")
            .yaml(
                "cdiVersion: 0.5.0\nkind: v.com/gpu\ndevices:\n- {name: '0', containerEdits: {deviceNodes: [{path: /dev/null}]}}\n- {name: GPU-1234, containerEdits: {deviceNodes: [{path: /dev/null}]}}\n")
            .request("v.com/gpu=0", "v.com/gpu=GPU-1234")
            .expect(
                "/linux/devices",
                "[{\"path\":\"/dev/null\",\"type\":\"c\",\"major\":1,\"minor\":3,\"fileMode\":438,\"uid\":1000,\"gid\":1000}]")
            .expect(
                "/linux/resources/devices",
                "[{\"allow\":false,\"access\":\"rwm\"},{\"allow\":true,\"type\":\"c\",\"major\":1,\"minor\":3,\"access\":\"rwm\"},{\"allow\":true,\"type\":\"c\",\"major\":1,\"minor\":3,\"access\":\"rwm\"}]"),
        c("in a user namespace a node is bound from the host, renamed too")
            .userns()
            .yaml(one("0.5.0", "deviceNodes: [{path: /dev/fpga0, hostPath: /dev/zero}]"))
            .request("v.com/c=a")
            .expect("/linux/devices", "null")
            .expect(
                "/mounts/3",
                "{\"destination\":\"/dev/fpga0\",\"type\":\"bind\",\"source\":\"/dev/zero\",\"options\":[\"bind\",\"nosuid\"]}")
            .expect(
                "/linux/resources/devices/1",
                "{\"allow\":true,\"type\":\"c\",\"major\":1,\"minor\":5,\"access\":\"rwm\"}"),
        c("rootless (no resources): a bind and no cgroup rule")
            .userns()
            .base("{\"process\":{\"user\":{\"uid\":1000,\"gid\":1000}},\"mounts\":[],\"linux\":{}}")
            .yaml(one("0.3.0", NULL_NODE))
            .request("v.com/c=a")
            .expect(
                "/mounts",
                "[{\"destination\":\"/dev/null\",\"type\":\"bind\",\"source\":\"/dev/null\",\"options\":[\"bind\",\"nosuid\"]}]")
            .expect("/linux", "{}"),
        // --- env ---
        c("a key the image has is replaced in place; the later device wins")
            .yaml(
                "cdiVersion: 0.3.0\nkind: v.com/c\ndevices:\n- {name: a, containerEdits: {env: [FOO=2, V=a]}}\n- {name: b, containerEdits: {env: [V=b]}}\n")
            .request("v.com/c=a", "v.com/c=b")
            .expect("/process/env", "[\"PATH=/bin\",\"FOO=2\",\"V=b\"]"),
        // --- mounts ---
        c("a mount replaces one at the same destination as written, then all sort by depth")
            .yaml(
                one(
                    "0.4.0",
                    "mounts:\n- {hostPath: /opt/lib, containerPath: /usr/lib/x, options: [ro, rbind]}\n- {hostPath: tmpfs, containerPath: /scratch, type: tmpfs}\n- {hostPath: /b, containerPath: /tmp/}"))
            .request("v.com/c=a")
            .expect(
                "/mounts",
                "[{\"destination\":\"/proc\",\"type\":\"proc\",\"source\":\"proc\"},{\"destination\":\"/dev\",\"type\":\"tmpfs\",\"source\":\"tmpfs\"},{\"destination\":\"/tmp\",\"type\":\"tmpfs\",\"source\":\"tmpfs\"},{\"destination\":\"/scratch\",\"type\":\"tmpfs\",\"source\":\"tmpfs\"},{\"destination\":\"/tmp/\",\"source\":\"/b\"},{\"destination\":\"/usr/lib/x\",\"source\":\"/opt/lib\",\"options\":[\"ro\",\"rbind\"]}]"),
        c("a mount's container path must be absolute")
            .yaml(one("0.3.0", "mounts: [{hostPath: /a, containerPath: a}]"))
            .badFile("mounts[0].containerPath (line 6): \"a\" is not an absolute path"),
        // --- hooks ---
        c("hooks land in their stages with args, env and timeout; spec-level ones once")
            .yaml(
                "cdiVersion: 0.3.0\nkind: v.com/c\ncontainerEdits:\n  hooks: [{hookName: createContainer, path: /usr/bin/vendor-hook, args: [vendor-hook, ldcache], env: [DEBUG=1], timeout: 5}]\ndevices:\n- {name: a, containerEdits: {hooks: [{hookName: createRuntime, path: /a}, {hookName: prestart, path: /p}, {hookName: startContainer, path: /s}]}}\n- {name: b, containerEdits: {hooks: [{hookName: poststart, path: /b}, {hookName: poststop, path: /z}]}}\n")
            .request("v.com/c=a", "v.com/c=b")
            .expect(
                "/hooks",
                "{\"createContainer\":[{\"path\":\"/usr/bin/vendor-hook\",\"args\":[\"vendor-hook\",\"ldcache\"],\"env\":[\"DEBUG=1\"],\"timeout\":5}],\"createRuntime\":[{\"path\":\"/a\"}],\"prestart\":[{\"path\":\"/p\"}],\"startContainer\":[{\"path\":\"/s\"}],\"poststart\":[{\"path\":\"/b\"}],\"poststop\":[{\"path\":\"/z\"}]}"),
        c("a hook timeout must be positive (the spec says so; Go does not check)")
            .yaml(one("0.3.0", "hooks: [{hookName: poststop, path: /bin/true, timeout: 0}]"))
            .badFile("hooks[0].timeout (line 6): 0 is not a positive number of seconds"),
        // --- intelRdt, groups, net devices ---
        c("intelRdt replaces the spec's; additional groups skip 0 and repeat none")
            .base(
                "{\"process\":{\"user\":{\"uid\":5,\"gid\":5,\"additionalGids\":[10]}},\"linux\":{\"intelRdt\":{\"closID\":\"old\"}}}")
            .yaml(
                one(
                    "1.1.0",
                    "intelRdt: {closID: hpc, l3CacheSchema: 'L3:0=ff', schemata: ['MB:0=50'], enableMonitoring: true}\nadditionalGids: [0, 10, 44]"))
            .request("v.com/c=a")
            .expect(
                "/linux/intelRdt",
                "{\"closID\":\"hpc\",\"l3CacheSchema\":\"L3:0=ff\",\"schemata\":[\"MB:0=50\"],\"enableMonitoring\":true}")
            .expect("/process/user/additionalGids", "[10,44]"),
        c("an intelRdt closID with a slash")
            .yaml(one("0.7.0", "intelRdt: {closID: a/b}"))
            .badFile("intelRdt.closID (line 6): \"a/b\" is not / or a file name"),
        c("netDevices load but no runtime here can apply them")
            .yaml(one("1.1.0", "netDevices: [{hostInterfaceName: eth9, name: net0}]"))
            .request("v.com/c=a")
            .refused("moves network interfaces (netDevices)"),
        c("two netDevices from one host interface")
            .yaml(
                one(
                    "1.1.0",
                    "netDevices: [{hostInterfaceName: eth9, name: a}, {hostInterfaceName: eth9, name: b}]"))
            .badFile("\"eth9\" is moved twice"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void specFilesToRuntimeSpec(Case k, @TempDir Path tmp) throws Exception {
    List<Path> dirs = List.of(tmp.resolve("etc"), tmp.resolve("run"));
    for (String[] f : k.files) {
      Path dir = Files.createDirectories(dirs.get(Integer.parseInt(f[0])));
      Files.writeString(dir.resolve(f[1]), f[2]);
    }
    Inventory inv = new CdiRegistry(dirs).scan();
    if (k.fileError != null) {
      assertThat(inv.errors())
          .as("the dropped file's error")
          .anySatisfy(
              e ->
                  assertThat(e.path() + ": " + e.message())
                      .startsWith(tmp.toString())
                      .contains(k.fileError));
    }
    ObjectNode spec = (ObjectNode) Json.read(k.base);
    JsonNode before = spec.deepCopy();
    if (k.refused != null) {
      assertThatThrownBy(() -> SpecEditor.apply(spec, inv.resolve(k.request, HOST), k.userns))
          .isInstanceOf(CdiException.class)
          .hasMessageContaining(k.refused);
      assertThat(spec).as("nothing edited").isEqualTo(before);
      return;
    }
    if (k.fileError == null) {
      assertThat(inv.errors())
          .as("errors")
          .allSatisfy(e -> assertThat(e.path()).contains("broken"));
    }
    SpecEditor.apply(spec, inv.resolve(k.request, HOST), k.userns);
    for (Map.Entry<String, String> e : k.expect.entrySet()) {
      JsonNode want = Json.read(e.getValue());
      JsonNode got = spec.at(e.getKey());
      if (want.isNull()) {
        assertThat(got.isMissingNode()).as(e.getKey() + " absent in " + spec).isTrue();
      } else {
        assertThat(got.toString()).as(e.getKey() + " of " + spec).isEqualTo(want.toString());
      }
    }
  }
}
