package io.sifkube.siflet.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sifkube.cdi.Injection;
import io.sifkube.node.v1.ContainerConfig;
import io.sifkube.node.v1.DeviceWeight;
import io.sifkube.node.v1.Resources;
import io.sifkube.node.v1.SeccompProfile;
import io.sifkube.siflet.SifletException;
import io.sifkube.spec.RunOptions;
import io.sifkube.spec.Seccomp;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigMappingTest {

  @TempDir Path root;

  private RunOptions map(ContainerConfig.Builder c) throws Exception {
    return ConfigMapping.toRunOptions(
        c.setImage("sha256:" + "a".repeat(64)).build(), names -> Injection.NONE, m -> {}, root);
  }

  @Test
  void seccompIsTheDefaultUnlessAskedOtherwise() throws Exception {
    assertThat(map(ContainerConfig.newBuilder()).extras().seccomp())
        .isEqualTo(Seccomp.Choice.DEFAULT);
    assertThat(
            map(ContainerConfig.newBuilder()
                    .setSeccomp(
                        SeccompProfile.newBuilder().setType(SeccompProfile.Type.UNCONFINED)))
                .extras()
                .seccomp())
        .isEqualTo(Seccomp.Choice.NONE);
  }

  @Test
  void aLocalhostProfileIsReadFromUnderTheRootAndNeverFromOutside() throws Exception {
    Files.createDirectories(root.resolve("team"));
    Files.writeString(
        root.resolve("team/no-mkdir.json"),
        "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"mkdir\"],"
            + "\"action\":\"SCMP_ACT_ERRNO\"}]}");
    Seccomp.Choice c =
        map(ContainerConfig.newBuilder().setSeccomp(local("team/no-mkdir.json")))
            .extras()
            .seccomp();
    assertThat(c.kind()).isEqualTo(Seccomp.Kind.PROFILE);
    assertThat(c.profile().path("syscalls").get(0).path("names").get(0).asText())
        .isEqualTo("mkdir");
    for (String escape : new String[] {"../secret.json", "team/../../x.json", "/etc/x.json"}) {
      assertThatThrownBy(() -> map(ContainerConfig.newBuilder().setSeccomp(local(escape))))
          .isInstanceOf(SifletException.class)
          .hasMessageContaining("config.seccomp.localhost_profile")
          .hasMessageContaining("escapes the seccomp profile root");
    }
    assertThatThrownBy(() -> map(ContainerConfig.newBuilder().setSeccomp(local("none.json"))))
        .hasMessageContaining("config.seccomp.localhost_profile: cannot read");
    Files.writeString(root.resolve("bad.json"), "{\"defaultAction\":\"SCMP_ACT_NOPE\"}");
    assertThatThrownBy(() -> map(ContainerConfig.newBuilder().setSeccomp(local("bad.json"))))
        .hasMessageContaining("defaultAction \"SCMP_ACT_NOPE\"");
    assertThatThrownBy(() -> map(ContainerConfig.newBuilder().setSeccomp(local(""))))
        .hasMessageContaining("required with type LOCALHOST");
  }

  private static SeccompProfile.Builder local(String name) {
    return SeccompProfile.newBuilder()
        .setType(SeccompProfile.Type.LOCALHOST)
        .setLocalhostProfile(name);
  }

  @Test
  void thePeriodSetsTheQuotaAndTheMemoryNodesPass() throws Exception {
    RunOptions o =
        map(
            ContainerConfig.newBuilder()
                .setResources(
                    Resources.newBuilder().setCpus(1.5).setCpuPeriodUs(50_000).setCpusetMems("0")));
    assertThat(o.extras().resources().toString())
        .isEqualTo("{\"cpu\":{\"period\":50000,\"quota\":75000,\"mems\":\"0\"}}");
    assertThatThrownBy(
            () ->
                map(
                    ContainerConfig.newBuilder()
                        .setResources(Resources.newBuilder().setCpuPeriodUs(10))))
        .hasMessage("config.resources.cpu_period_us: 10 is not in 1000..1000000");
    assertThatThrownBy(
            () ->
                map(
                    ContainerConfig.newBuilder()
                        .setResources(
                            Resources.newBuilder()
                                .addBlkioWeightDevices(
                                    DeviceWeight.newBuilder()
                                        .setPath("/dev/null")
                                        .setWeight(100)))))
        .hasMessage("config.resources.blkio_weight_devices[0].path /dev/null: not a block device");
  }

  @Test
  void smallFilesAtCleanAbsolutePathsPassAndOthersAreRefusedNamingThePath() throws Exception {
    RunOptions o = map(ContainerConfig.newBuilder().putFiles("/etc/sifkube/hostfile", "a\nb\n"));
    assertThat(o.extras().files()).containsEntry("/etc/sifkube/hostfile", "a\nb\n");
    for (String bad : List.of("etc/x", "/etc/../x", "/etc/./x", "/", "/etc/", "/a//b")) {
      assertThatThrownBy(() -> map(ContainerConfig.newBuilder().putFiles(bad, "x")))
          .as(bad)
          .hasMessage(
              "config.files[\"" + bad + "\"]: not an absolute file path without . or .. parts");
    }
    assertThatThrownBy(
            () -> map(ContainerConfig.newBuilder().putFiles("/big", "\u00e9".repeat(40_000))))
        .hasMessage("config.files[\"/big\"]: more than 65536 bytes");
    ContainerConfig.Builder many = ContainerConfig.newBuilder();
    for (int i = 0; i < 17; i++) {
      many.putFiles("/f" + i, "x");
    }
    assertThatThrownBy(() -> map(many)).hasMessage("config.files: 17 files, at most 16");
  }
}
