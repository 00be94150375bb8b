package io.sifkube.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonClassDescription;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;

/** How to reach a {@link SifNode}'s siflet. */
@JsonClassDescription("How to reach the node's siflet.")
@JsonInclude(JsonInclude.Include.NON_NULL)
public class SifNodeSpec {

  @Required
  @Pattern("^.+:[0-9]+$")
  @JsonPropertyDescription("HOST:PORT of the siflet's gRPC listener (mutual TLS).")
  public String address;

  @JsonPropertyDescription("true: schedule no new runs here (existing ones go on).")
  public Boolean unschedulable;
}
