package io.sifkube.operator.image;

import com.google.protobuf.ByteString;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.sifkube.api.v1alpha1.SifImage;
import io.sifkube.node.v1.AuthConfig;
import java.util.Base64;
import java.util.Map;

/**
 * Credentials from a {@code kubernetes.io/dockerconfigjson} Secret: its {@code .dockerconfigjson}
 * goes to siflet as it is ({@code AuthConfig.docker_config}), which takes the entry for the image's
 * own registry with the one docker-config reader Sifkube has ({@code DockerConfig}: Docker Hub's
 * names, {@code auth} or {@code username}/{@code password}, identity tokens) and never sends it to
 * another registry. Here only the Secret's shape is checked.
 */
public final class PullSecrets {

  private PullSecrets() {}

  /**
   * The credentials of a Secret's data (its base64 data map).
   *
   * @throws IllegalArgumentException naming the problem when the Secret is not a docker config
   */
  public static AuthConfig fromSecret(Map<String, String> data, String secretName) {
    String encoded = data == null ? null : data.get(".dockerconfigjson");
    if (encoded == null) {
      throw new IllegalArgumentException(
          "Secret "
              + secretName
              + " has no .dockerconfigjson (type kubernetes.io/dockerconfigjson)");
    }
    byte[] json;
    try {
      json = Base64.getDecoder().decode(encoded);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "Secret " + secretName + ": .dockerconfigjson is not base64", e);
    }
    return AuthConfig.newBuilder().setDockerConfig(ByteString.copyFrom(json)).build();
  }

  /**
   * The credentials a SifImage's {@code pullSecretRef} gives; none without a secret.
   *
   * @throws IllegalArgumentException naming the field or Secret that is wrong
   */
  public static AuthConfig forImage(KubernetesClient client, SifImage img) {
    if (img.getSpec().pullSecretRef == null) {
      return AuthConfig.getDefaultInstance();
    }
    if (!img.getSpec().source.startsWith("docker://")
        && !img.getSpec().source.startsWith("oras://")) {
      throw new IllegalArgumentException(
          "spec.pullSecretRef: only docker:// and oras:// sources use secrets");
    }
    String name = img.getSpec().pullSecretRef.name;
    Secret secret =
        client.secrets().inNamespace(img.getMetadata().getNamespace()).withName(name).get();
    if (secret == null) {
      throw new IllegalArgumentException("spec.pullSecretRef: Secret " + name + " not found");
    }
    return fromSecret(secret.getData(), name);
  }
}
