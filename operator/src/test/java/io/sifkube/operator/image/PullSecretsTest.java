package io.sifkube.operator.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sifkube.node.v1.AuthConfig;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PullSecretsTest {

  private static Map<String, String> secret(String json) {
    return Map.of(
        ".dockerconfigjson",
        Base64.getEncoder().encodeToString(json.getBytes(StandardCharsets.UTF_8)));
  }

  @Test
  void takesOnlyTheEntryOfTheImagesRegistry() {
    String auth = Base64.getEncoder().encodeToString("bob:s3cret".getBytes(StandardCharsets.UTF_8));
    Map<String, String> data =
        secret(
            "{\"auths\":{\"https://other.example/v1/\":{\"username\":\"x\",\"password\":\"y\"},"
                + "\"registry.example:5000\":{\"auth\":\""
                + auth
                + "\"}}}");
    AuthConfig a = PullSecrets.forHost(data, "registry.example:5000", "creds");
    assertThat(a.getServer()).isEqualTo("registry.example:5000");
    assertThat(a.getUsername()).isEqualTo("bob");
    assertThat(a.getPassword()).isEqualTo("s3cret");
    assertThat(PullSecrets.forHost(data, "other.example", "creds").getUsername()).isEqualTo("x");
    assertThatThrownBy(() -> PullSecrets.forHost(data, "third.example", "creds"))
        .hasMessage("Secret creds has no credentials for third.example");
    assertThatThrownBy(() -> PullSecrets.forHost(Map.of(), "h", "opaque"))
        .hasMessageContaining("Secret opaque has no .dockerconfigjson");
  }

  @Test
  void registryHostsAsDockerReadsThem() {
    assertThat(PullSecrets.registryHost("docker://registry.example:5000/a/b:1"))
        .isEqualTo("registry.example:5000");
    assertThat(PullSecrets.registryHost("docker://library/busybox")).isEqualTo("docker.io");
    assertThat(PullSecrets.registryHost("docker://busybox")).isEqualTo("docker.io");
    assertThat(PullSecrets.registryHost("docker://localhost/x")).isEqualTo("localhost");
  }
}
