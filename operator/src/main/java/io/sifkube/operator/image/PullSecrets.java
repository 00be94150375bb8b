package io.sifkube.operator.image;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.sifkube.api.v1alpha1.SifImage;
import io.sifkube.node.v1.AuthConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Iterator;
import java.util.Map;

/**
 * Credentials from a {@code kubernetes.io/dockerconfigjson} Secret for one registry host: the entry
 * for that host only (so credentials never go to another registry), with {@code server} set so that
 * siflet refuses to use them elsewhere. Pure: the caller passes the Secret's data.
 */
public final class PullSecrets {

  private PullSecrets() {}

  /**
   * The credentials for {@code host} in {@code data} (the Secret's base64 data map).
   *
   * @throws IllegalArgumentException naming the problem when the Secret is malformed or has no
   *     entry for the host
   */
  public static AuthConfig forHost(Map<String, String> data, String host, String secretName) {
    String encoded = data == null ? null : data.get(".dockerconfigjson");
    if (encoded == null) {
      throw new IllegalArgumentException(
          "Secret "
              + secretName
              + " has no .dockerconfigjson (type kubernetes.io/dockerconfigjson)");
    }
    JsonNode auths;
    try {
      auths = new ObjectMapper().readTree(Base64.getDecoder().decode(encoded)).path("auths");
    } catch (IOException | IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "Secret " + secretName + ": .dockerconfigjson is not valid JSON", e);
    }
    for (Iterator<Map.Entry<String, JsonNode>> it = auths.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      if (!hostOf(e.getKey()).equals(host)) {
        continue;
      }
      JsonNode a = e.getValue();
      String user = a.path("username").asText("");
      String password = a.path("password").asText("");
      if (user.isEmpty() && a.hasNonNull("auth")) {
        String pair =
            new String(Base64.getDecoder().decode(a.path("auth").asText()), StandardCharsets.UTF_8);
        int colon = pair.indexOf(':');
        if (colon > 0) {
          user = pair.substring(0, colon);
          password = pair.substring(colon + 1);
        }
      }
      return AuthConfig.newBuilder()
          .setServer(host)
          .setUsername(user)
          .setPassword(password)
          .build();
    }
    throw new IllegalArgumentException("Secret " + secretName + " has no credentials for " + host);
  }

  /**
   * The credentials a SifImage's {@code pullSecretRef} gives for its source's registry; none
   * without a secret.
   *
   * @throws IllegalArgumentException naming the field, Secret or host that is wrong
   */
  public static AuthConfig forImage(KubernetesClient client, SifImage img) {
    if (img.getSpec().pullSecretRef == null) {
      return AuthConfig.getDefaultInstance();
    }
    String name = img.getSpec().pullSecretRef.name;
    Secret secret =
        client.secrets().inNamespace(img.getMetadata().getNamespace()).withName(name).get();
    if (secret == null) {
      throw new IllegalArgumentException("spec.pullSecretRef: Secret " + name + " not found");
    }
    return forHost(secret.getData(), registryHost(img.getSpec().source), name);
  }

  /** The registry host of a docker:// source, as docker reads it (docker.io by default). */
  static String registryHost(String source) {
    if (!source.startsWith("docker://")) {
      throw new IllegalArgumentException("spec.pullSecretRef: only docker:// sources use secrets");
    }
    String ref = source.substring("docker://".length());
    String first = ref.split("/", 2)[0];
    boolean host = first.contains(".") || first.contains(":") || first.equals("localhost");
    return host && ref.contains("/") ? first : "docker.io";
  }

  /** "https://registry:5000/v1/" → "registry:5000", as docker reads its config's keys. */
  static String hostOf(String key) {
    String k = key.replaceFirst("^https?://", "");
    int slash = k.indexOf('/');
    return slash >= 0 ? k.substring(0, slash) : k;
  }
}
