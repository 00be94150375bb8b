package io.sifkube.operator.run;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Quantity;
import io.sifkube.api.v1alpha1.SifRunSpec;
import io.sifkube.node.v1.ContainerConfig;
import io.sifkube.node.v1.SeccompProfile;
import java.util.List;
import org.junit.jupiter.api.Test;

class ContainerConfigsTest {

  private static SifRunSpec spec() {
    SifRunSpec s = new SifRunSpec();
    s.image = "app";
    return s;
  }

  @Test
  void resourcesCarryThePeriodSwapMemoryNodesAndBlockWeights() {
    SifRunSpec s = spec();
    s.resources = new SifRunSpec.Resources();
    s.resources.cpu = new Quantity("500m");
    s.resources.memory = new Quantity("1Gi");
    s.resources.memorySwap = new Quantity("2Gi");
    s.resources.cpuPeriodMicroseconds = 50_000L;
    s.resources.cpusetMems = "0";
    s.resources.blockIO = new SifRunSpec.BlockIO();
    s.resources.blockIO.weight = 300;
    SifRunSpec.DeviceWeight d = new SifRunSpec.DeviceWeight();
    d.path = "/dev/vda";
    d.weight = 200;
    s.resources.blockIO.weightDevices = List.of(d);
    ContainerConfig c = ContainerConfigs.of(s, "sha256:x");
    assertThat(c.getResources().getCpus()).isEqualTo(0.5);
    assertThat(c.getResources().getCpuPeriodUs()).isEqualTo(50_000);
    assertThat(c.getResources().getMemorySwapBytes()).isEqualTo(2L << 30);
    assertThat(c.getResources().getCpusetMems()).isEqualTo("0");
    assertThat(c.getResources().getBlkioWeight()).isEqualTo(300);
    assertThat(c.getResources().getBlkioWeightDevices(0).getPath()).isEqualTo("/dev/vda");
    assertThat(c.getResources().getBlkioWeightDevices(0).getWeight()).isEqualTo(200);
    assertThat(ContainerConfigs.invalid(s)).isNull();
    s.resources.memorySwap = new Quantity("512Mi");
    assertThat(ContainerConfigs.invalid(s))
        .isEqualTo("spec.resources.memorySwap: must be at least spec.resources.memory");
  }

  @Test
  void seccompProfilesMapAsAPodsDo() {
    SifRunSpec s = spec();
    assertThat(ContainerConfigs.of(s, "x").getSeccomp().getType())
        .isEqualTo(SeccompProfile.Type.RUNTIME_DEFAULT);
    s.securityContext = new SifRunSpec.SecurityContext();
    s.securityContext.seccompProfile = new SifRunSpec.SeccompProfile();
    s.securityContext.seccompProfile.type = "Unconfined";
    assertThat(ContainerConfigs.of(s, "x").getSeccomp().getType())
        .isEqualTo(SeccompProfile.Type.UNCONFINED);
    s.securityContext.seccompProfile.type = "Localhost";
    assertThat(ContainerConfigs.invalid(s))
        .isEqualTo(
            "spec.securityContext.seccompProfile.localhostProfile: required with type Localhost");
    s.securityContext.seccompProfile.localhostProfile = "../etc/x.json";
    assertThat(ContainerConfigs.invalid(s))
        .contains("must be a relative path inside the node's profile root");
    s.securityContext.seccompProfile.localhostProfile = "team/hpc.json";
    assertThat(ContainerConfigs.invalid(s)).isNull();
    SeccompProfile p = ContainerConfigs.of(s, "x").getSeccomp();
    assertThat(p.getType()).isEqualTo(SeccompProfile.Type.LOCALHOST);
    assertThat(p.getLocalhostProfile()).isEqualTo("team/hpc.json");
    s.securityContext.seccompProfile.type = "RuntimeDefault";
    assertThat(ContainerConfigs.invalid(s))
        .isEqualTo(
            "spec.securityContext.seccompProfile.localhostProfile: only with type Localhost");
  }

  @Test
  void ranksThatAreNotAGangAreRefusedNamingTheField() {
    SifRunSpec s = spec();
    s.parallelism = 4;
    assertThat(ContainerConfigs.invalid(s)).isNull();
    s.gang = false;
    assertThat(ContainerConfigs.invalid(s)).startsWith("spec.gang: false is not supported yet");
  }
}
