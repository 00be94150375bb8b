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
 * One containerised run with Job-like semantics: scheduled onto a SifNode, pulled, run through the
 * node's siflet, retried up to {@code backoffLimit}, bounded by {@code activeDeadlineSeconds},
 * suspendable, and cleaned up after {@code ttlSecondsAfterFinished}.
 */
@Group(SifImage.GROUP)
@Version(SifImage.VERSION)
// Named, not derived: fabric8's CustomResource constructor otherwise derives the plural from the
// kind with regular expressions for every object it decodes or copies (3 % of the operator's CPU
// per run, JFR 2026-12-07).
@Singular("sifrun")
@Plural("sifruns")
@ShortNames("sr")
@AdditionalPrinterColumn(name = "PHASE", jsonPath = ".status.phase")
@AdditionalPrinterColumn(name = "NODE", jsonPath = ".status.node")
@AdditionalPrinterColumn(name = "RANKS", jsonPath = ".status.readyRanks")
@AdditionalPrinterColumn(
    name = "EXIT",
    jsonPath = ".status.exitCode",
    type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(
    name = "ATTEMPTS",
    jsonPath = ".status.attempts",
    type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(
    name = "AGE",
    jsonPath = ".metadata.creationTimestamp",
    type = AdditionalPrinterColumn.Type.DATE)
@JsonClassDescription("One containerised run from an OCI-SIF image, with Job-like semantics.")
public class SifRun extends CustomResource<SifRunSpec, SifRunStatus> implements Namespaced {}
