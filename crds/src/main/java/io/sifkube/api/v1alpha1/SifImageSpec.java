package io.sifkube.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonClassDescription;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import java.util.Map;

/** What a {@link SifImage} names and how to fetch it. */
@JsonClassDescription("What a SifImage names and how to fetch it.")
@JsonInclude(JsonInclude.Include.NON_NULL)
public class SifImageSpec {

  @Required
  @Pattern("^(docker://|oras://|oci:|oci-archive:|docker-archive:|https?://).+")
  @JsonPropertyDescription(
      "The image source: docker://REF, oci:DIR[:TAG], oci-archive:FILE[:TAG],"
          + " docker-archive:FILE[:REF], or an OCI-SIF file kept as it is (with its signatures):"
          + " oras://REF or an http(s):// URL; file paths are on the node.")
  public String source;

  @JsonPropertyDescription(
      "A kubernetes.io/dockerconfigjson Secret in this namespace with credentials for the"
          + " image's registry; they are sent only to that registry.")
  public LocalReference pullSecretRef;

  @Pattern("^[a-z0-9]+/[a-z0-9]+(/[a-z0-9]+)?$")
  @JsonPropertyDescription(
      "OS/ARCH[/VARIANT] to take from a multi-platform image; empty for each node's own.")
  public String platform;

  @JsonPropertyDescription("Cache the image ahead of time on nodes matching a selector.")
  public PrePull prePull;

  @JsonPropertyDescription(
      "Check the image's SIF signatures (DSSE or OpenPGP, as singularity sign writes them) after"
          + " each pull, with the keys of a Secret or ConfigMap; the result is the Verified"
          + " condition. Only SIF files carry SIF signatures: oras:// and http(s):// sources.")
  public Verify verify;

  /** Signature policy of an image. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class Verify {
    @JsonPropertyDescription(
        "Refuse runs of the image unless every object group carries a signature that verifies"
            + " with these keys (runs fail with reason VerificationFailed); false only reports.")
    public Boolean required;

    @Required
    @JsonPropertyDescription(
        "Where the keys are: a Secret or ConfigMap in this namespace. Entries ending in .pem are"
            + " PEM public keys (ECDSA, RSA, Ed25519) for DSSE signatures; entries ending in .asc,"
            + " .gpg or .pgp are OpenPGP keyrings.")
    public KeysFrom keysFrom;
  }

  /** A Secret or a ConfigMap, by kind and name. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class KeysFrom {
    @Required
    @Pattern("^(Secret|ConfigMap)$")
    @JsonPropertyDescription("Secret or ConfigMap.")
    public String kind;

    @Required
    @JsonPropertyDescription("Its name, in the SifImage's namespace.")
    public String name;
  }

  /** A Secret (or other object) in the same namespace, by name. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class LocalReference {
    @Required
    @JsonPropertyDescription("The object's name.")
    public String name;
  }

  /** Which nodes cache an image before any run asks for it. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class PrePull {
    @JsonPropertyDescription(
        "Labels a SifNode must carry to pull the image ahead of time; empty selects every node.")
    public Map<String, String> nodeSelector;
  }
}
