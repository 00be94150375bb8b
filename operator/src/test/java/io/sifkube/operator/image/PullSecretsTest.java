package io.sifkube.operator.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sifkube.node.v1.AuthConfig;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PullSecretsTest {

  @Test
  void theSecretsDockerConfigGoesToSifletAsItIs() {
    String json = "{\"auths\":{\"https://index.docker.io/v1/\":{\"auth\":\"Ym9iOnMzY3JldA==\"}}}";
    AuthConfig a =
        PullSecrets.fromSecret(
            Map.of(
                ".dockerconfigjson",
                Base64.getEncoder().encodeToString(json.getBytes(StandardCharsets.UTF_8))),
            "creds");
    assertThat(a.getDockerConfig().toStringUtf8()).isEqualTo(json);
    assertThat(a.getUsername()).isEmpty();
    assertThat(a.getServer()).isEmpty();
  }

  @Test
  void aSecretThatIsNotADockerConfigIsNamed() {
    assertThatThrownBy(() -> PullSecrets.fromSecret(Map.of(), "opaque"))
        .hasMessage("Secret opaque has no .dockerconfigjson (type kubernetes.io/dockerconfigjson)");
    assertThatThrownBy(() -> PullSecrets.fromSecret(Map.of(".dockerconfigjson", "%%"), "bad"))
        .hasMessage("Secret bad: .dockerconfigjson is not base64");
  }
}
