package io.sifkube.spec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SeccompTest {

  private static final Set<String> NO_CAPS = Set.of();

  private static List<String> allowed(ObjectNode p) {
    List<String> out = new ArrayList<>();
    for (JsonNode r : p.get("syscalls")) {
      if (r.get("action").asText().equals("SCMP_ACT_ALLOW") && !r.has("args")) {
        r.get("names").forEach(n -> out.add(n.asText()));
      }
    }
    return out;
  }

  private static List<JsonNode> rulesFor(ObjectNode p, String name) {
    List<JsonNode> out = new ArrayList<>();
    for (JsonNode r : p.get("syscalls")) {
      for (JsonNode n : r.get("names")) {
        if (n.asText().equals(name)) {
          out.add(r);
        }
      }
    }
    return out;
  }

  @Test
  void theDefaultRefusesWithEpermAndAllowsTheOrdinaryCalls() {
    ObjectNode p = Seccomp.runtimeDefault(Capabilities.DEFAULT, "amd64");
    assertThat(p.get("defaultAction").asText()).isEqualTo("SCMP_ACT_ERRNO");
    assertThat(p.get("defaultErrnoRet").asInt()).isEqualTo(1);
    assertThat(p.get("architectures").toString())
        .isEqualTo("[\"SCMP_ARCH_X86_64\",\"SCMP_ARCH_X86\",\"SCMP_ARCH_X32\"]");
    assertThat(allowed(p))
        .contains("read", "write", "openat", "execve", "mkdir", "futex", "arch_prctl", "mbind")
        .doesNotContain(
            "mount", "umount2", "unshare", "setns", "keyctl", "add_key", "bpf", "kexec_load")
        .doesNotContain("arm_fadvise64_64")
        .doesNotHaveDuplicates();
  }

  @Test
  void withoutCapSysAdminCloneMayMakeNoNamespaceAndClone3AnswersEnosys() {
    ObjectNode p = Seccomp.runtimeDefault(NO_CAPS, "amd64");
    List<JsonNode> clone = rulesFor(p, "clone");
    assertThat(clone).hasSize(1);
    JsonNode arg = clone.get(0).at("/args/0");
    assertThat(arg.get("op").asText()).isEqualTo("SCMP_CMP_MASKED_EQ");
    assertThat(arg.get("value").asLong()).isEqualTo(0x7E020000L);
    assertThat(arg.get("valueTwo").asLong()).isZero();
    List<JsonNode> clone3 = rulesFor(p, "clone3");
    assertThat(clone3).hasSize(1);
    assertThat(clone3.get(0).get("errnoRet").asInt()).isEqualTo(38);

    ObjectNode admin = Seccomp.runtimeDefault(Set.of("CAP_SYS_ADMIN"), "amd64");
    assertThat(allowed(admin)).contains("mount", "umount2", "unshare", "setns", "bpf", "clone");
    assertThat(allowed(admin)).doesNotContain("keyctl");
    assertThat(rulesFor(admin, "clone3")).hasSize(1);
    assertThat(rulesFor(admin, "clone3").get(0).get("action").asText()).isEqualTo("SCMP_ACT_ALLOW");
  }

  @Test
  void eachCapabilityUnlocksOnlyItsCalls() {
    assertThat(allowed(Seccomp.runtimeDefault(Set.of("CAP_SYS_TIME"), "amd64")))
        .contains("settimeofday", "clock_settime")
        .doesNotContain("mount", "reboot");
    assertThat(allowed(Seccomp.runtimeDefault(NO_CAPS, "amd64")))
        .doesNotContain("settimeofday", "reboot", "chroot", "kcmp");
    assertThat(allowed(Seccomp.runtimeDefault(Set.of("CAP_SYS_CHROOT"), "amd64")))
        .contains("chroot");
  }

  @Test
  void personalityAndSocketKeepTheirArgumentFilters() {
    ObjectNode p = Seccomp.runtimeDefault(NO_CAPS, "amd64");
    List<JsonNode> personality = rulesFor(p, "personality");
    assertThat(personality).hasSize(5);
    assertThat(personality.stream().map(r -> r.at("/args/0/value").asLong()))
        .containsExactlyInAnyOrder(0L, 8L, 0x20000L, 0x20008L, 0xffffffffL);
    List<JsonNode> socket = rulesFor(p, "socket");
    assertThat(socket).hasSize(3);
    assertThat(socket.get(0).get("errnoRet").asInt()).isEqualTo(22);
    List<JsonNode> withAudit =
        rulesFor(Seccomp.runtimeDefault(Set.of("CAP_AUDIT_WRITE"), "amd64"), "socket");
    assertThat(withAudit).hasSize(1);
    assertThat(withAudit.get(0).has("args")).isFalse();
  }

  @Test
  void armHostsGetTheirOwnArchitecturesAndCalls() {
    ObjectNode p = Seccomp.runtimeDefault(NO_CAPS, "arm64");
    assertThat(p.get("architectures").toString()).contains("SCMP_ARCH_AARCH64");
    assertThat(allowed(p)).contains("set_tls").doesNotContain("arch_prctl");
  }

  @Test
  void dockerProfilesResolveArchMapIncludesAndExcludes() {
    String json =
        "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"defaultErrnoRet\":38,\"archMap\":["
            + "{\"architecture\":\"SCMP_ARCH_AARCH64\",\"subArchitectures\":[\"SCMP_ARCH_ARM\"]},"
            + "{\"architecture\":\"SCMP_ARCH_X86_64\",\"subArchitectures\":[\"SCMP_ARCH_X86\"]}],"
            + "\"syscalls\":["
            + "{\"names\":[\"read\",\"write\"],\"action\":\"SCMP_ACT_ALLOW\",\"comment\":\"x\"},"
            + "{\"name\":\"getpid\",\"action\":\"SCMP_ACT_ALLOW\"},"
            + "{\"names\":[\"mount\"],\"action\":\"SCMP_ACT_ALLOW\","
            + "\"includes\":{\"caps\":[\"CAP_SYS_ADMIN\"]}},"
            + "{\"names\":[\"arch_prctl\"],\"action\":\"SCMP_ACT_ALLOW\","
            + "\"includes\":{\"arches\":[\"amd64\"]}},"
            + "{\"names\":[\"chroot\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":1,"
            + "\"excludes\":{\"caps\":[\"CAP_SYS_CHROOT\"]}},"
            + "{\"names\":[\"personality\"],\"action\":\"SCMP_ACT_ALLOW\",\"args\":[{\"index\":0,"
            + "\"value\":8,\"valueTwo\":0,\"op\":\"SCMP_CMP_EQ\"}]}]}";
    Seccomp.Choice c = Seccomp.parse(json.getBytes(StandardCharsets.UTF_8), "p.json");
    ObjectNode p = Seccomp.fromProfile(c.profile(), Set.of("CAP_SYS_CHROOT"), "amd64");
    assertThat(p.toString())
        .isEqualTo(
            "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"defaultErrnoRet\":38,\"architectures\":"
                + "[\"SCMP_ARCH_X86_64\",\"SCMP_ARCH_X86\"],\"syscalls\":["
                + "{\"names\":[\"read\",\"write\"],\"action\":\"SCMP_ACT_ALLOW\"},"
                + "{\"names\":[\"getpid\"],\"action\":\"SCMP_ACT_ALLOW\"},"
                + "{\"names\":[\"arch_prctl\"],\"action\":\"SCMP_ACT_ALLOW\"},"
                + "{\"names\":[\"personality\"],\"action\":\"SCMP_ACT_ALLOW\",\"args\":[{\"index\":0,"
                + "\"value\":8,\"valueTwo\":0,\"op\":\"SCMP_CMP_EQ\"}]}]}");
    // an OCI profile keeps its own architectures
    Seccomp.Choice oci =
        Seccomp.parse(
            "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"architectures\":[\"SCMP_ARCH_X86_64\"]}"
                .getBytes(StandardCharsets.UTF_8),
            "o.json");
    assertThat(Seccomp.forContainer(oci, NO_CAPS, "amd64").toString())
        .isEqualTo(
            "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"architectures\":[\"SCMP_ARCH_X86_64\"],"
                + "\"syscalls\":[]}");
    assertThat(Seccomp.forContainer(Seccomp.Choice.NONE, NO_CAPS, "amd64")).isNull();
  }

  @Test
  void badProfilesAreRefusedNamingTheFileAndField() {
    assertThatThrownBy(() -> Seccomp.parse("[1]".getBytes(StandardCharsets.UTF_8), "a.json"))
        .hasMessage("a.json: not a JSON seccomp profile");
    assertThatThrownBy(() -> Seccomp.parse("{".getBytes(StandardCharsets.UTF_8), "a.json"))
        .hasMessage("a.json: not a JSON seccomp profile");
    assertThatThrownBy(
            () ->
                Seccomp.parse(
                    "{\"defaultAction\":\"SCMP_ACT_NOTIFY\"}".getBytes(StandardCharsets.UTF_8),
                    "a.json"))
        .hasMessageStartingWith("a.json: defaultAction \"SCMP_ACT_NOTIFY\" is not one of")
        .hasMessageEndingWith("(notify needs a listener)");
    assertThatThrownBy(
            () ->
                Seccomp.parse(
                    ("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"x\"],"
                            + "\"action\":\"SCMP_ACT_ERRNO\",\"args\":[{\"index\":7,\"op\":"
                            + "\"SCMP_CMP_EQ\"}]}]}")
                        .getBytes(StandardCharsets.UTF_8),
                    "a.json"))
        .hasMessage("a.json: syscalls[0].args[0].index must be 0 to 5");
    assertThatThrownBy(
            () ->
                Seccomp.parse(
                    ("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[],"
                            + "\"action\":\"SCMP_ACT_ERRNO\"}]}")
                        .getBytes(StandardCharsets.UTF_8),
                    "a.json"))
        .hasMessage("a.json: syscalls[0] names no system call");
  }

  @Test
  void everyContainerSpecCarriesTheDefaultUnlessUnconfined() {
    JsonNode image = io.sifkube.json.Json.object().putObject("config");
    RunOptions opts =
        RunOptions.builder()
            .exec(true)
            .command(List.of("/bin/true"))
            .home("/root")
            .hostCwd("/")
            .build();
    ObjectNode spec = RuntimeSpec.build(wrap(image), opts, "", "");
    assertThat(spec.at("/linux/seccomp/defaultAction").asText()).isEqualTo("SCMP_ACT_ERRNO");
    RunOptions off =
        opts.withExtras(opts.extras().toBuilder().seccomp(Seccomp.Choice.NONE).build());
    assertThat(RuntimeSpec.build(wrap(image), off, "", "").at("/linux/seccomp").isMissingNode())
        .isTrue();
  }

  private static JsonNode wrap(JsonNode config) {
    ObjectNode o = io.sifkube.json.Json.object();
    o.set("config", config);
    return o;
  }
}
