package io.sifkube.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sifkube.json.Json;
import io.sifkube.sif.SifDescriptor;
import io.sifkube.sif.SifException;
import io.sifkube.sif.SifFile;
import io.sifkube.sif.integrity.KeyPairs;
import io.sifkube.sif.integrity.Pgp;
import io.sifkube.sif.integrity.SifVerifier;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * {@code sifctl verify}: checks a SIF's signatures as {@code singularity verify} does (sylabs/sif
 * v2's rules and messages); prints each signature's signer, the objects it covers and the outcome,
 * or JSON with {@code -o json}; exit status 1 when anything does not verify. A {@link
 * SignatureCommand}.
 */
final class VerifyCommand extends SignatureCommand {

  private static final OptionTable TABLE =
      standard(
          new OptionTable()
              .list("--key", "PUBLIC.pem", "PEM public key for DSSE signatures; repeatable", false)
              .value(
                  "--keyring",
                  "FILE",
                  "OpenPGP keyring (public or secret, armored or binary) for PGP signatures")
              .list("-g,--group-id", "N", "verify object group N only; repeatable", false)
              .list("-i,--sif-id", "N", "verify object N only; repeatable", false)
              .flag("-a,--all", "with --legacy-insecure: every object of every group")
              .flag("--legacy-insecure", "check SingularityCE < 3.6 (legacy) signatures instead")
              .value("-o,--output", "FORMAT", "text (default) or json")
              .flag("-j,--json", "same as -o json (singularity verify -j)"));

  private boolean all;
  private boolean legacy;
  private String output = "text";
  private boolean json;

  VerifyCommand() {
    super("verify", "Verify the signatures of a SIF or OCI-SIF.", "the SIF to verify", TABLE);
  }

  @Override
  void more(String option, String v) throws OptionTable.UsageException {
    switch (option) {
      case "--all" -> all = true;
      case "--legacy-insecure" -> legacy = true;
      case "--output" -> output = v;
      case "--json" -> json = true;
      default -> throw new IllegalStateException("option " + option + " is in TABLE only");
    }
  }

  @Override
  int call() throws Exception {
    if (json) {
      output = "json";
    }
    if (!output.equals("text") && !output.equals("json")) {
      throw new CliException("-o " + output + ": must be text or json");
    }
    if (!Files.isRegularFile(file)) {
      throw new CliException(file + ": no such file");
    }
    if (keys.isEmpty() && keyring == null) {
      throw new CliException(
          "give the key material: --key PUBLIC.pem (DSSE) and/or --keyring FILE (PGP)");
    }
    List<PublicKey> pubs = new ArrayList<>();
    Pgp.Keyring ring = null;
    try {
      for (Path k : keys) {
        pubs.add(KeyPairs.readPublic(k));
      }
      if (keyring != null) {
        ring = Pgp.read(keyring);
      }
    } catch (IOException e) {
      throw new CliException(e.getMessage(), e);
    }
    SifVerifier.Report r;
    List<SifDescriptor> descriptors;
    try (SifFile sif = SifFile.open(file)) {
      descriptors = sif.descriptors();
      r =
          SifVerifier.verify(
              sif,
              new SifVerifier.Keys(pubs, ring),
              new SifVerifier.Options(groups, objects, legacy, legacy && all));
    } catch (SifException e) {
      throw new CliException(e.getMessage(), e);
    }
    var out = out();
    if (output.equals("json")) {
      out.println(new String(Json.bytes(json(r)), StandardCharsets.UTF_8));
    } else {
      text(r, descriptors, out);
    }
    out.flush();
    if (!r.ok()) {
      String first = r.firstError();
      throw new CliException(file + ": verification failed: integrity: " + first);
    }
    return 0;
  }

  private void text(
      SifVerifier.Report r, List<SifDescriptor> descriptors, java.io.PrintWriter out) {
    for (SifVerifier.Outcome o : r.outcomes()) {
      out.printf(Locale.ROOT, "Signature object %d (%s)%n", o.signatureId(), o.kind());
      if (!o.signerName().isEmpty()) {
        out.println("  Signing entity: " + o.signerName());
      }
      if (!o.signer().isEmpty()) {
        out.println(
            (o.kind().equals("DSSE") ? "  Key ID:         " : "  Fingerprint:    ") + o.signer());
      }
      if (o.ok()) {
        out.println("  Objects verified:");
        out.println("  ID  |GROUP   |LINK    |TYPE");
        out.println("  ------------------------------------------------");
        for (int id : o.objects()) {
          descriptors.stream()
              .filter(d -> d.id() == id)
              .findFirst()
              .ifPresent(
                  d ->
                      out.printf(
                          Locale.ROOT,
                          "  %-4d|%-8s|%-8s|%s%n",
                          d.id(),
                          d.groupId() == 0 ? "NONE" : String.valueOf(d.groupId()),
                          d.linkedId() == 0
                              ? "NONE"
                              : d.linkedId() + (d.linksGroup() ? " (G)" : ""),
                          d.dataTypeName()));
        }
      } else {
        out.println("  FAILED: " + o.error());
      }
    }
    for (String e : r.errors()) {
      out.println("FAILED: " + e);
    }
    if (!r.legacySignatures().isEmpty() && !legacy && r.ok()) {
      out.println(
          "Note: legacy (SingularityCE < 3.6) signature object(s) "
              + r.legacySignatures()
              + " not checked; use --legacy-insecure");
    }
    if (r.ok()) {
      out.println("Verified signature(s) from image '" + file + "'");
    }
  }

  private ObjectNode json(SifVerifier.Report r) {
    ObjectNode root = Json.object();
    root.put("image", file.toString());
    root.put("verified", r.ok());
    ArrayNode sigs = root.putArray("signatures");
    for (SifVerifier.Outcome o : r.outcomes()) {
      ObjectNode n = sigs.addObject();
      n.put("id", o.signatureId());
      n.put("kind", o.kind());
      n.put("signer", o.signer());
      n.put("signerName", o.signerName());
      ArrayNode objs = n.putArray("objects");
      o.objects().forEach(objs::add);
      n.put("verified", o.ok());
      if (!o.ok()) {
        n.put("error", o.error());
      }
    }
    ArrayNode errors = root.putArray("errors");
    r.errors().forEach(errors::add);
    ArrayNode legacySigs = root.putArray("legacySignatures");
    r.legacySignatures().forEach(legacySigs::add);
    return root;
  }
}
