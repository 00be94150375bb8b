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
  @Pattern("^(docker://|oci:|oci-archive:|docker-archive:|https?://).+")
  @JsonPropertyDescription(
      "The image source: docker://REF, oci:DIR[:TAG], oci-archive:FILE[:TAG],"
          + " docker-archive:FILE[:REF] or an http(s):// URL of a SIF file; file paths are on the"
          + " node.")
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
