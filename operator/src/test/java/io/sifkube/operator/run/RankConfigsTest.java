package io.sifkube.operator.run;

import static org.assertj.core.api.Assertions.assertThat;

import io.sifkube.api.v1alpha1.SifRunSpec;
import io.sifkube.node.v1.ContainerConfig;
import java.util.List;
import org.junit.jupiter.api.Test;

class RankConfigsTest {

  private static SifRunSpec spec(int ranks) {
    SifRunSpec s = new SifRunSpec();
    s.source = "docker://r/x:1";
    s.parallelism = ranks;
    s.env = List.of(env("OMP_NUM_THREADS", "2"));
    return s;
  }

  private static SifRunSpec.EnvVar env(String name, String value) {
    SifRunSpec.EnvVar e = new SifRunSpec.EnvVar();
    e.name = name;
    e.value = value;
    return e;
  }

  @Test
  void eachRankIsToldItsIndexTheSizeAndWhereTheHostfileIs() {
    SifRunSpec s = spec(4);
    ContainerConfig base = ContainerConfigs.of(s, "sha256:abc");
    String hostfile = RankConfigs.hostfile(List.of("10.0.0.1:7443", "10.0.0.1:7443", "n2:7443"));
    ContainerConfig c =
        RankConfigs.of(base, s, 2, new RankConfigs.Wiring("solver", hostfile, "sr-u-1", null));
    assertThat(c.getEnvList())
        .containsExactly(
            "OMP_NUM_THREADS=2",
            "SIFKUBE_RANK=2",
            "SIFKUBE_SIZE=4",
            "SIFKUBE_HOSTFILE=/etc/sifkube/hostfile");
    assertThat(c.getFilesMap()).containsEntry("/etc/sifkube/hostfile", "10.0.0.1\n10.0.0.1\nn2\n");
    assertThat(c.getHostname()).isEqualTo("solver-2");
    assertThat(c.getSandbox()).isEqualTo("sr-u-1");
    assertThat(c.getImage()).isEqualTo("sha256:abc");
    assertThat(base.getEnvCount()).as("the run's own config is left alone").isEqualTo(1);
  }

  @Test
  void nonIndexedRanksKeepTheSpecsHostName() {
    SifRunSpec s = spec(2);
    s.completionMode = "NonIndexed";
    s.hostname = "worker";
    ContainerConfig c =
        RankConfigs.of(
            ContainerConfigs.of(s, "x"),
            s,
            1,
            new RankConfigs.Wiring("solver", "h\nh\n", "sb", "10.0.0.9:4711"));
    assertThat(c.getHostname()).isEqualTo("worker");
    assertThat(c.getEnvList())
        .containsSubsequence(
            "SIFKUBE_RANK=1", "PMI_PORT=10.0.0.9:4711", "PMI_ID=1", "PMI_RANK=1", "PMI_SIZE=2");
  }

  @Test
  void aLongRunNameIsCutToAHostNameTheKernelTakes() {
    String name = "a".repeat(60) + "-b";
    String h = RankConfigs.hostname(name, 1023);
    assertThat(h).hasSizeLessThanOrEqualTo(RankConfigs.HOST_NAME_MAX).endsWith("-1023");
    assertThat(h).isEqualTo("a".repeat(59) + "-1023");
    assertThat(RankConfigs.hostname("short", 0)).isEqualTo("short-0");
  }

  @Test
  void theHostfileNamesHostsOfAddressesOfEveryForm() {
    assertThat(RankConfigs.host("10.1.2.3:7443")).isEqualTo("10.1.2.3");
    assertThat(RankConfigs.host("[fd00::1]:7443")).isEqualTo("fd00::1");
    assertThat(RankConfigs.host("node-a")).isEqualTo("node-a");
    assertThat(RankConfigs.host("fd00::1")).isEqualTo("fd00::1");
  }
}
