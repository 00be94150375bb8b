package io.sifkube.siflet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;

class SifletConfigTest {

  @Test
  void podKeysMonitorCgroupDaemonSetAndKeepState() {
    SifletConfig none = SifletConfig.resolve(Map.of(), Map.of(), new Properties());
    assertThat(none.monitorCgroup()).isNull();
    assertThat(none.daemonSet()).isNull();
    assertThat(none.keepState()).isFalse();
    SifletConfig pod =
        SifletConfig.resolve(
            Map.of("monitor-cgroup", "/sifkube/monitors", "daemonset", "sifkube-siflet"),
            Map.of("SIFLET_KEEP_STATE", "true"),
            new Properties());
    assertThat(pod.monitorCgroup()).isEqualTo("/sifkube/monitors");
    assertThat(pod.daemonSet()).isEqualTo("sifkube-siflet");
    assertThat(pod.keepState()).isTrue();
    for (String bad : new String[] {"monitors", "/a/../b", "/a b", "/"}) {
      assertThatThrownBy(
              () -> SifletConfig.resolve(Map.of("monitor-cgroup", bad), Map.of(), new Properties()))
          .as(bad)
          .hasMessageStartingWith("monitor-cgroup: \"" + bad + "\" is not an absolute cgroup path");
    }
    assertThatThrownBy(
            () -> SifletConfig.resolve(Map.of("keep-state", "yes"), Map.of(), new Properties()))
        .hasMessage("keep-state: must be true or false, not \"yes\"");
  }

  @Test
  void defaultsThenFileThenEnvironmentThenFlags() {
    SifletConfig d = SifletConfig.resolve(Map.of(), Map.of(), new Properties());
    assertThat(d.stateDir()).isEqualTo(Path.of("/var/lib/sifkube"));
    assertThat(d.socket()).isEqualTo(Path.of("/run/sifkube/siflet.sock"));
    assertThat(d.listen()).isNull();
    assertThat(d.imageDiskBudget()).isZero();

    Properties file = new Properties();
    file.setProperty("state-dir", "/from/file");
    file.setProperty("socket", "/file.sock");
    file.setProperty("image-disk-budget", "2g");
    SifletConfig c =
        SifletConfig.resolve(
            Map.of("state-dir", "/from/flag"),
            Map.of("SIFLET_STATE_DIR", "/from/env", "SIFLET_SOCKET", "/env.sock"),
            file);
    assertThat(c.stateDir()).isEqualTo(Path.of("/from/flag"));
    assertThat(c.socket()).isEqualTo(Path.of("/env.sock"));
    assertThat(c.imageDiskBudget()).isEqualTo(2L << 30);
  }

  @Test
  void eachStateDirectoryGetsItsOwnRunDirectoryUnlessOneIsGiven() {
    SifletConfig a = SifletConfig.resolve(Map.of("state-dir", "/a"), Map.of(), new Properties());
    SifletConfig b = SifletConfig.resolve(Map.of("state-dir", "/b"), Map.of(), new Properties());
    assertThat(a.runDir().toString()).matches("/run/sifkube/siflet-[0-9a-f]{12}");
    assertThat(b.runDir()).isNotEqualTo(a.runDir());
    assertThat(SifletConfig.resolve(Map.of("state-dir", "/a"), Map.of(), new Properties()).runDir())
        .as("the same every time")
        .isEqualTo(a.runDir());
    assertThat(
            SifletConfig.resolve(Map.of(), Map.of("SIFLET_RUN_DIR", "/dev/shm/s"), new Properties())
                .runDir())
        .isEqualTo(Path.of("/dev/shm/s"));
    assertThatThrownBy(
            () ->
                SifletConfig.resolve(
                    Map.of("state-dir", "/s", "run-dir", "/s/run"), Map.of(), new Properties()))
        .hasMessageStartingWith("run-dir: /s/run must not be inside state-dir /s");
  }

  @Test
  void badValuesNameTheirKey() {
    assertThatThrownBy(
            () -> SifletConfig.resolve(Map.of("runtime", "kata"), Map.of(), new Properties()))
        .hasMessage("runtime: must be crun or runc, not \"kata\"");
    assertThatThrownBy(
            () ->
                SifletConfig.resolve(Map.of("listen", "0.0.0.0:7443"), Map.of(), new Properties()))
        .hasMessageStartingWith("tls-ca: required with listen (remote clients must use mutual TLS");
    Map<String, String> tls =
        Map.of("listen", "0.0.0.0:7443", "tls-ca", "/c", "tls-cert", "/s", "tls-key", "/k");
    assertThatThrownBy(() -> SifletConfig.resolve(tls, Map.of(), new Properties()))
        .hasMessageStartingWith("allowed-clients: required with listen")
        .hasMessageContaining("or * for any the CA signed");
    Map<String, String> blank = new java.util.HashMap<>(tls);
    blank.put("allowed-clients", " , ");
    assertThatThrownBy(() -> SifletConfig.resolve(blank, Map.of(), new Properties()))
        .hasMessage("allowed-clients: no name given");
    blank.put("allowed-clients", "sifkube-operator, ops");
    assertThat(SifletConfig.resolve(blank, Map.of(), new Properties()).allowedClients())
        .containsExactly("sifkube-operator", "ops");
    assertThatThrownBy(
            () -> SifletConfig.resolve(Map.of("listen", "nohost"), Map.of(), new Properties()))
        .hasMessage("listen: \"nohost\" is not HOST:PORT");
    assertThatThrownBy(
            () ->
                SifletConfig.resolve(
                    Map.of("image-disk-budget", "lots"), Map.of(), new Properties()))
        .hasMessageStartingWith("image-disk-budget: invalid size \"lots\"");
    Properties typo = new Properties();
    typo.setProperty("statedir", "/x");
    assertThatThrownBy(() -> SifletConfig.resolve(Map.of(), Map.of(), typo))
        .hasMessage("config file: unknown key \"statedir\"");
  }
}
