package io.sifkube.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonClassDescription;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.kubernetes.api.model.Condition;
import java.util.ArrayList;
import java.util.List;

/**
 * What a {@link SifImage} resolved to and where it is cached. Conditions: {@code Resolved} (the
 * digest is known) and {@code Ready} (cached on every node that should have it).
 */
@JsonClassDescription(
    "What the image resolved to (digest, entrypoint, user) and which nodes cache it; conditions Resolved and Ready.")
@JsonInclude(JsonInclude.Include.NON_NULL)
public class SifImageStatus {

  @JsonPropertyDescription("The image manifest's digest (sha256:...), the image's identity.")
  public String manifestDigest;

  @JsonPropertyDescription("Size of the OCI-SIF file in bytes.")
  public Long size;

  @JsonPropertyDescription("The image's ENTRYPOINT.")
  public List<String> entrypoint;

  @JsonPropertyDescription("The image's CMD.")
  public List<String> cmd;

  @JsonPropertyDescription("The image's USER; empty for root.")
  public String user;

  @JsonPropertyDescription("The image's cache state on each node that pulled or was asked to.")
  public List<NodeCache> nodes = new ArrayList<>();

  @JsonPropertyDescription(
      "Who signed the image, as the last verification found (spec.verify): each signature that"
          + " verified, with its kind (DSSE or PGP) and key id or fingerprint.")
  public List<Signer> signers;

  /** A signature that verified. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class Signer {
    @JsonPropertyDescription("DSSE or PGP.")
    public String kind;

    @JsonPropertyDescription("The DSSE key id (SSH SHA256 fingerprint) or the PGP fingerprint.")
    public String id;

    @JsonPropertyDescription("The PGP key's user ID, if any.")
    public String name;
  }

  @JsonPropertyDescription("The metadata.generation this status describes.")
  public Long observedGeneration;

  @JsonPropertyDescription("Resolved and Ready, after Kubernetes conventions.")
  public List<Condition> conditions = new ArrayList<>();

  /** One node's copy of the image. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class NodeCache {
    @JsonPropertyDescription("The SifNode's name.")
    public String node;

    @JsonPropertyDescription("Pulling, Cached or Failed.")
    public CacheState state;

    @JsonPropertyDescription("Why it failed, when it did.")
    public String message;
  }

  /** Where a node stands with an image. */
  public enum CacheState {
    Pulling,
    Cached,
    Failed
  }
}
