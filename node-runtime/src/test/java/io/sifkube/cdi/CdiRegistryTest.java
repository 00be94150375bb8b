package io.sifkube.cdi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sifkube.json.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Scanning directories: encodings, rescans, missing and odd entries, the audit record. */
class CdiRegistryTest {

  @TempDir Path tmp;

  static final String YAML =
      """
      cdiVersion: "0.6.0"
      kind: example.com/fpga
      annotations: {driver: "2.1"}
      containerEdits:
        env: [FPGA_SDK=/opt/sdk]
        hooks:
        - {hookName: poststop, path: /usr/bin/fpga-reset, args: [fpga-reset, "--all"], timeout: 10}
      devices:
      - name: fpga0
        annotations: {sifkube.io/shared: "true"}
        containerEdits:
          deviceNodes:
          - {path: /dev/fpga0, hostPath: /dev/zero, permissions: rw, fileMode: 0640, gid: 44}
          mounts:
          - {hostPath: /opt/fpga, containerPath: /opt/fpga, options: [ro, rbind]}
      """;

  static final String JSON =
      """
      {"cdiVersion":"0.6.0","kind":"example.com/fpga","annotations":{"driver":"2.1"},
       "containerEdits":{"env":["FPGA_SDK=/opt/sdk"],
         "hooks":[{"hookName":"poststop","path":"/usr/bin/fpga-reset","args":["fpga-reset","--all"],"timeout":10}]},
       "devices":[{"name":"fpga0","annotations":{"sifkube.io/shared":"true"},
         "containerEdits":{
           "deviceNodes":[{"path":"/dev/fpga0","hostPath":"/dev/zero","permissions":"rw","fileMode":416,"gid":44}],
           "mounts":[{"hostPath":"/opt/fpga","containerPath":"/opt/fpga","options":["ro","rbind"]}]}}]}
      """;

  private ObjectNode inject(Inventory inv, String... names) throws Exception {
    ObjectNode spec =
        (ObjectNode) Json.read("{\"process\":{\"user\":{\"uid\":0,\"gid\":0}},\"linux\":{}}");
    SpecEditor.apply(spec, inv.resolve(List.of(names), CdiInjectionTest.HOST), false);
    return spec;
  }

  @Test
  void theSameSpecInYamlAndJsonGivesTheSameRuntimeSpec() throws Exception {
    Path a = Files.createDirectories(tmp.resolve("a"));
    Path b = Files.createDirectories(tmp.resolve("b"));
    Files.writeString(a.resolve("fpga.yaml"), YAML);
    Files.writeString(b.resolve("fpga.json"), JSON);
    ObjectNode fromYaml = inject(new CdiRegistry(List.of(a)).scan(), "example.com/fpga=fpga0");
    ObjectNode fromJson = inject(new CdiRegistry(List.of(b)).scan(), "example.com/fpga=fpga0");
    assertThat(fromYaml).isEqualTo(fromJson);
    assertThat(fromYaml.toString())
        .isEqualTo(
            "{\"process\":{\"user\":{\"uid\":0,\"gid\":0},\"env\":[\"FPGA_SDK=/opt/sdk\"]},"
                + "\"linux\":{\"devices\":[{\"path\":\"/dev/fpga0\",\"type\":\"c\",\"major\":1,"
                + "\"minor\":5,\"fileMode\":416,\"gid\":44}]},"
                + "\"mounts\":[{\"destination\":\"/opt/fpga\",\"source\":\"/opt/fpga\","
                + "\"options\":[\"ro\",\"rbind\"]}],"
                + "\"hooks\":{\"poststop\":[{\"path\":\"/usr/bin/fpga-reset\","
                + "\"args\":[\"fpga-reset\",\"--all\"],\"timeout\":10}]}}");
  }

  @Test
  void theInjectionRecordsWhereEachDeviceCameFrom() throws Exception {
    Path etc = Files.createDirectories(tmp.resolve("etc"));
    Path run = Files.createDirectories(tmp.resolve("run"));
    Files.writeString(run.resolve("fpga.yaml"), YAML);
    Inventory inv = new CdiRegistry(List.of(etc, run)).scan();
    Injection i = inv.resolve(List.of("example.com/fpga=fpga0"), CdiInjectionTest.HOST);
    Injection.Injected d = i.devices().get(0);
    assertThat(d.name()).isEqualTo("example.com/fpga=fpga0");
    assertThat(d.specPath()).isEqualTo(run.resolve("fpga.yaml").toString());
    assertThat(d.specSha256())
        .isEqualTo(
            io.sifkube.image.oci.Digest.sha256(Files.readAllBytes(run.resolve("fpga.yaml"))).hex());
    assertThat(d.cdiVersion()).isEqualTo("0.6.0");
    assertThat(d.priority()).isEqualTo(1);
    assertThat(d.nodes())
        .singleElement()
        .satisfies(
            n -> {
              assertThat(n.hostPath()).isEqualTo("/dev/zero");
              assertThat(n.major()).isEqualTo(1);
              assertThat(n.minor()).isEqualTo(5);
            });
    assertThat(inv.devices().get("example.com/fpga=fpga0").device().annotations())
        .containsEntry("sifkube.io/shared", "true");
  }

  @Test
  void rescansSeeNewChangedAndRemovedFilesAndSkipMissingDirectories() throws Exception {
    Path etc = tmp.resolve("etc"); // never created
    Path run = Files.createDirectories(tmp.resolve("run"));
    CdiRegistry reg = new CdiRegistry(List.of(etc, run));
    assertThat(reg.scan().devices()).isEmpty();

    // Written as a generator does: a temporary name, then a rename into place.
    Path tmpFile = run.resolve("spec.123.tmp");
    Files.writeString(tmpFile, YAML);
    assertThat(reg.scan().devices()).as("temporary files are not read").isEmpty();
    Files.move(tmpFile, run.resolve("fpga.yaml"), StandardCopyOption.ATOMIC_MOVE);
    assertThat(reg.scan().devices()).containsOnlyKeys("example.com/fpga=fpga0");

    Files.writeString(run.resolve("fpga.yaml"), YAML.replace("fpga0", "fpga1"));
    assertThat(reg.scan().devices()).containsOnlyKeys("example.com/fpga=fpga1");

    Files.delete(run.resolve("fpga.yaml"));
    Inventory gone = reg.scan();
    assertThat(gone.devices()).isEmpty();
    assertThatThrownBy(() -> gone.resolve(List.of("example.com/fpga=fpga1"), CdiInjectionTest.HOST))
        .hasMessage("unresolvable CDI devices: example.com/fpga=fpga1 (no device is offered here)");
  }

  @Test
  void subdirectoriesSymlinksAndOddNames() throws Exception {
    Path run = Files.createDirectories(tmp.resolve("run"));
    Path elsewhere = Files.createDirectories(tmp.resolve("elsewhere"));
    Files.writeString(elsewhere.resolve("real.yaml"), YAML);
    Files.createSymbolicLink(run.resolve("linked.yaml"), elsewhere.resolve("real.yaml"));
    Files.createDirectories(run.resolve("sub.yaml"));
    Files.writeString(Files.createDirectories(run.resolve("nested")).resolve("x.yaml"), "bad");
    Files.writeString(run.resolve("notes.txt"), "not a spec");
    Inventory inv = new CdiRegistry(List.of(run)).scan();
    assertThat(inv.devices()).containsOnlyKeys("example.com/fpga=fpga0");
    assertThat(inv.errors()).isEmpty();
  }

  @Test
  void aFileThatIsNotYamlIsNamedWithWhereTheParserStopped() throws Exception {
    Path run = Files.createDirectories(tmp.resolve("run"));
    Files.writeString(run.resolve("a.yaml"), "cdiVersion: [\n");
    Files.writeString(run.resolve("b.yaml"), "");
    Files.writeString(run.resolve("c.yaml"), YAML + "---\n" + YAML);
    Files.writeString(run.resolve("d.yaml"), "x: &a 1\ny: *a\n");
    Inventory inv = new CdiRegistry(List.of(run)).scan();
    assertThat(inv.errors())
        .extracting(e -> Path.of(e.path()).getFileName() + ": " + e.message())
        .satisfiesExactly(
            a ->
                assertThat(a)
                    .startsWith(
                        "a.yaml: not valid YAML at line 1, column 14: while parsing a flow node"),
            b -> assertThat(b).isEqualTo("b.yaml: empty document"),
            c -> assertThat(c).contains("c.yaml: line 17: a second YAML document"),
            d -> assertThat(d).contains("d.yaml: line 2: YAML aliases are not supported"));
  }

  @Test
  void cdiDirsOptionsAreAbsoluteAndReplaceTheDefaults() {
    assertThat(CdiRegistry.parseDirs("--cdi-dirs", List.of("/a,/b/", "/c")))
        .containsExactly(Path.of("/a"), Path.of("/b"), Path.of("/c"));
    assertThatThrownBy(() -> CdiRegistry.parseDirs("--cdi-dirs", List.of("/a,cdi")))
        .hasMessage("--cdi-dirs: \"cdi\" is not an absolute directory (DIR[,DIR...])");
    assertThatThrownBy(() -> CdiRegistry.parseDirs("--cdi-dirs", List.of("")))
        .hasMessageContaining("is not an absolute directory");
  }
}
