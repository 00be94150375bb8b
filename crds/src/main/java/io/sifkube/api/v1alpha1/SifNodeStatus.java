package io.sifkube.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonClassDescription;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Quantity;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** What a {@link SifNode}'s siflet reports about its node. */
@JsonClassDescription(
    "What the node's siflet reports: versions, capacity, allocatable, devices, cached images and the Ready condition.")
@JsonInclude(JsonInclude.Include.NON_NULL)
public class SifNodeStatus {

  @JsonPropertyDescription("siflet's version.")
  public String sifletVersion;

  @JsonPropertyDescription("The OCI runtime siflet uses (crun or runc).")
  public String runtime;

  @JsonPropertyDescription("That runtime's version line.")
  public String runtimeVersion;

  @JsonPropertyDescription("The node's architecture (amd64, arm64).")
  public String arch;

  @JsonPropertyDescription("What the node has: cpu, memory.")
  public Map<String, Quantity> capacity;

  @JsonPropertyDescription("What runs may use: capacity less what is reserved.")
  public Map<String, Quantity> allocatable;

  /** The device annotation that lets several runs hold a device at once. */
  public static final String SHARED_ANNOTATION = "sifkube.io/shared";

  @JsonPropertyDescription(
      "CDI device names the node offers (vendor/class=name), live from its spec directories.")
  public List<String> devices;

  @JsonPropertyDescription("How many CDI devices the node offers.")
  public Integer deviceCount;

  @JsonPropertyDescription(
      "The offered devices whose spec annotates them sifkube.io/shared: \"true\": several runs may hold them at once.")
  public List<String> sharedDevices;

  @JsonPropertyDescription(
      "CDI spec files the node cannot use (\"FILE: FIELD: reason\"), at most 20 and a count.")
  public List<String> cdiErrors;

  @JsonPropertyDescription("Manifest digests of the images cached on the node.")
  public List<String> images;

  @JsonPropertyDescription("Ready, after Kubernetes conventions.")
  public List<Condition> conditions = new ArrayList<>();
}
