package io.sifkube.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonClassDescription;
import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Singular;
import io.fabric8.kubernetes.model.annotation.Version;

/**
 * An image source that Sifkube resolves to a manifest digest and caches, as an OCI-SIF, on the
 * nodes that run it (and, with {@code prePull}, on matching nodes ahead of time).
 */
@Group(SifImage.GROUP)
@Version(SifImage.VERSION)
// Named, not derived: fabric8's CustomResource constructor otherwise derives the plural from the
// kind with regular expressions for every object it decodes or copies (3 % of the operator's CPU
// per run, JFR 2026-12-07).
@Singular("sifimage")
@Plural("sifimages")
@ShortNames("sifimg")
@AdditionalPrinterColumn(name = "SOURCE", jsonPath = ".spec.source")
@AdditionalPrinterColumn(name = "DIGEST", jsonPath = ".status.manifestDigest", priority = 1)
@AdditionalPrinterColumn(
    name = "READY",
    jsonPath = ".status.conditions[?(@.type==\"Ready\")].status")
@AdditionalPrinterColumn(
    name = "AGE",
    jsonPath = ".metadata.creationTimestamp",
    type = AdditionalPrinterColumn.Type.DATE)
@JsonClassDescription(
    "An image source that Sifkube resolves to a digest and caches as an OCI-SIF on nodes.")
public class SifImage extends CustomResource<SifImageSpec, SifImageStatus> implements Namespaced {

  /** The API group of every Sifkube resource. */
  public static final String GROUP = "sifkube.io";

  /** The API version of this model. */
  public static final String VERSION = "v1alpha1";
}
