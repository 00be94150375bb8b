package io.sifkube.spec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.toml.TomlMapper;
import io.sifkube.json.Json;
import org.junit.jupiter.api.Test;

class ResourcesTest {

  private static JsonNode toml(String text) throws Exception {
    return new TomlMapper().readTree(text);
  }

  @Test
  void singularitysCgroupsFileBecomesLinuxResources() throws Exception {
    ObjectNode r =
        Resources.fromCgroupsFile(
            toml(
                "[memory]\nlimit = 536870912\nswap = 1073741824\ndisableOOMKiller = true\n"
                    + "[cpu]\nshares = 512\ncpus = \"0-1\"\nmems = \"0\"\n"
                    + "[pids]\nlimit = 100\n"
                    + "[blockIO]\nweight = 400\n"
                    + "[[blockIO.throttleReadBpsDevice]]\nmajor = 8\nminor = 0\nrate = 1048576\n"
                    + "[[devices]]\nallow = true\ntype = \"c\"\nmajor = 1\nminor = 3\n"
                    + "access = \"rw\"\n"
                    + "[unified]\n\"memory.high\" = \"100M\"\n"),
            "f.toml");
    assertThat(r.toString())
        .isEqualTo(
            "{\"memory\":{\"limit\":536870912,\"swap\":1073741824,\"disableOOMKiller\":true},"
                + "\"cpu\":{\"shares\":512,\"cpus\":\"0-1\",\"mems\":\"0\"},"
                + "\"pids\":{\"limit\":100},"
                + "\"blockIO\":{\"weight\":400,\"throttleReadBpsDevice\":[{\"major\":8,"
                + "\"minor\":0,\"rate\":1048576}]},"
                + "\"devices\":[{\"allow\":true,\"type\":\"c\",\"major\":1,\"minor\":3,"
                + "\"access\":\"rw\"}],"
                + "\"unified\":{\"memory.high\":\"100M\"}}");
  }

  @Test
  void unknownSectionsFieldsAndTypesAreRefusedByName() throws Exception {
    assertThatThrownBy(() -> Resources.fromCgroupsFile(toml("[net]\nx = 1\n"), "f.toml"))
        .hasMessageStartingWith("f.toml: unknown section [net]; the sections are blockIO, cpu");
    assertThatThrownBy(() -> Resources.fromCgroupsFile(toml("[cpu]\nquta = 1\n"), "f.toml"))
        .hasMessageStartingWith("f.toml: [cpu] quta: unknown field; known:");
    assertThatThrownBy(() -> Resources.fromCgroupsFile(toml("[pids]\nlimit = 1.5\n"), "f.toml"))
        .hasMessage("f.toml: [pids] limit must be an integer, not 1.5");
    assertThatThrownBy(
            () -> Resources.fromCgroupsFile(toml("[memory]\ndisableOOMKiller = 1\n"), "f.toml"))
        .hasMessage("f.toml: [memory] disableOOMKiller must be true or false, not 1");
    assertThatThrownBy(() -> Resources.fromCgroupsFile(toml("[devices]\nallow = true\n"), "f.toml"))
        .hasMessage("f.toml: [devices] must be a list ([[devices]])");
    assertThatThrownBy(
            () ->
                Resources.fromCgroupsFile(
                    toml("[[devices]]\nallow = true\naccess = \"rwx\"\n"), "f.toml"))
        .hasMessage("f.toml: [[devices]] access \"rwx\" is not made of r, w and m");
    assertThatThrownBy(
            () ->
                Resources.fromCgroupsFile(
                    toml("[blockIO]\n[[blockIO.weightDevice]]\nmajor = 8\nrate = 1\n"), "f.toml"))
        .hasMessageStartingWith("f.toml: [blockIO] weightDevice rate: unknown field");
  }

  @Test
  void mergeSetsFieldsAndAppendsDeviceRulesAfterTheDefaults() throws Exception {
    ObjectNode res =
        (ObjectNode)
            Json.read(
                "{\"devices\":[{\"allow\":false,\"access\":\"rwm\"}],\"cpu\":{\"shares\":2,"
                    + "\"cpus\":\"0\"}}");
    ObjectNode extra =
        (ObjectNode)
            Json.read(
                "{\"devices\":[{\"allow\":true,\"type\":\"c\",\"major\":1,\"minor\":3,"
                    + "\"access\":\"rw\"}],\"cpu\":{\"shares\":512},\"pids\":{\"limit\":9}}");
    Resources.merge(res, extra);
    assertThat(res.toString())
        .isEqualTo(
            "{\"devices\":[{\"allow\":false,\"access\":\"rwm\"},{\"allow\":true,\"type\":\"c\","
                + "\"major\":1,\"minor\":3,\"access\":\"rw\"}],\"cpu\":{\"shares\":512,"
                + "\"cpus\":\"0\"},\"pids\":{\"limit\":9}}");
  }
}
