package io.sifkube.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonClassDescription;
import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Singular;
import io.fabric8.kubernetes.model.annotation.Version;

/**
 * A node runtime (siflet) that registered itself, as kubelet registers a Node. Cluster-scoped; its
 * heartbeat is a {@code coordination.k8s.io} Lease of the same name in the operator's namespace,
 * and its {@code Ready} condition turns False when the lease expires.
 */
@Group(SifImage.GROUP)
@Version(SifImage.VERSION)
// Named, not derived: fabric8's CustomResource constructor otherwise derives the plural from the
// kind with regular expressions for every object it decodes or copies (3 % of the operator's CPU
// per run, JFR 2026-12-07).
@Singular("sifnode")
@Plural("sifnodes")
@ShortNames("sn")
@AdditionalPrinterColumn(
    name = "READY",
    jsonPath = ".status.conditions[?(@.type==\"Ready\")].status")
@AdditionalPrinterColumn(name = "ADDRESS", jsonPath = ".spec.address")
@AdditionalPrinterColumn(
    name = "DEVICES",
    jsonPath = ".status.deviceCount",
    type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(name = "RUNTIME", jsonPath = ".status.runtime", priority = 1)
@AdditionalPrinterColumn(
    name = "AGE",
    jsonPath = ".metadata.creationTimestamp",
    type = AdditionalPrinterColumn.Type.DATE)
@JsonClassDescription("A node runtime (siflet) registered with the cluster.")
public class SifNode extends CustomResource<SifNodeSpec, SifNodeStatus> {}
