package io.sifkube.sif.integrity;

import io.sifkube.sif.SifCodes;
import io.sifkube.sif.SifDescriptor;
import io.sifkube.sif.SifException;
import io.sifkube.sif.SifFile;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.bouncycastle.openpgp.PGPPublicKey;

/**
 * Verifies a SIF's signatures as sylabs/sif v2's {@code integrity.Verifier} does (and so as {@code
 * singularity verify} does): by default every object group must carry a signature, and every
 * non-legacy signature linked to it must verify, with the metadata it signed equal to the file's
 * header, descriptors and data now; {@code groups} and {@code objects} narrow the check; legacy
 * mode checks SingularityCE &lt; 3.6 signatures ({@code SIFHASH}) instead. The messages are the
 * reference's, each naming the signature and object. Unlike the reference, every task is checked
 * and reported rather than stopping at the first failure.
 */
public final class SifVerifier {

  private static final int MAX_SIGNATURE = 1 << 20;

  /** Public keys for DSSE envelopes and OpenPGP signatures. */
  public record Keys(List<PublicKey> dsse, Pgp.Keyring pgp) {}

  /**
   * What to check.
   *
   * @param legacy check legacy signatures (object or group linked, {@code SIFHASH})
   * @param legacyAll legacy, plus every object of every group
   */
  public record Options(
      List<Integer> groups, List<Integer> objects, boolean legacy, boolean legacyAll) {
    public static Options defaults() {
      return new Options(List.of(), List.of(), false, false);
    }
  }

  /**
   * One signature checked.
   *
   * @param kind DSSE, PGP or legacy
   * @param signer the key id (DSSE) or primary fingerprint (PGP) that verified it, or empty
   * @param signerName the key's first user ID (PGP), or empty
   * @param objects the objects it covered that verified
   * @param error null when it verified
   */
  public record Outcome(
      int signatureId,
      String kind,
      String signer,
      String signerName,
      List<Integer> objects,
      String error) {
    public boolean ok() {
      return error == null;
    }
  }

  /**
   * @param outcomes every signature checked
   * @param errors failures not tied to one signature (no signature for a group, …)
   * @param legacySignatures IDs of legacy signatures present (reported whatever the mode)
   */
  public record Report(
      List<Outcome> outcomes, List<String> errors, List<Integer> legacySignatures) {
    public boolean ok() {
      return errors.isEmpty() && !outcomes.isEmpty() && outcomes.stream().allMatch(Outcome::ok);
    }

    /** The first thing that did not verify, for one-line messages. */
    public String firstError() {
      return !errors.isEmpty()
          ? errors.get(0)
          : outcomes.stream()
              .filter(o -> !o.ok())
              .map(Outcome::error)
              .findFirst()
              .orElse("nothing verified");
    }
  }

  private record Task(
      boolean legacy,
      boolean group,
      int id,
      int groupId,
      List<SifDescriptor> sigs,
      List<SifDescriptor> objects) {}

  private final SifFile sif;
  private final Keys keys;

  /** Whether each signature object is legacy: its data is read once, not once per task. */
  private final java.util.Map<Integer, Boolean> legacy = new java.util.HashMap<>();

  private SifVerifier(SifFile sif, Keys keys) {
    this.sif = sif;
    this.keys = keys;
  }

  public static Report verify(SifFile sif, Keys keys, Options opts) throws SifException {
    return new SifVerifier(sif, keys).run(opts);
  }

  private Report run(Options opts) throws SifException {
    List<Outcome> outcomes = new ArrayList<>();
    List<String> errors = new ArrayList<>();
    List<SifDescriptor> all = sif.descriptors();
    List<Integer> legacySigs = new ArrayList<>();
    for (SifDescriptor d : all) {
      if (d.dataType() == SifCodes.DATA_SIGNATURE && isLegacy(d)) {
        legacySigs.add(d.id());
      }
    }
    for (SifDescriptor d : all) {
      if (d.dataType() != SifCodes.DATA_SIGNATURE && d.groupId() == 0) {
        errors.add("non-signature object " + d.id() + " not associated with object group");
        return new Report(outcomes, errors, legacySigs);
      }
    }
    List<Task> tasks;
    try {
      tasks = tasks(all, opts);
    } catch (IllegalArgumentException e) {
      errors.add(e.getMessage());
      return new Report(outcomes, errors, legacySigs);
    }
    for (Task t : tasks) {
      if (t.sigs().isEmpty()) {
        String what = t.group() ? "object group " + t.id() : "object " + t.id();
        String hint =
            !t.legacy() && !legacySigs.isEmpty()
                ? " (the image carries legacy signatures "
                    + legacySigs
                    + " from SingularityCE < 3.6: check them with --legacy-insecure)"
                : "";
        errors.add("signature not found for " + what + hint);
        continue;
      }
      for (SifDescriptor s : t.sigs()) {
        outcomes.add(t.legacy() ? checkLegacy(t, s) : check(t, s, all));
      }
    }
    return new Report(outcomes, errors, legacySigs);
  }

  private List<Task> tasks(List<SifDescriptor> all, Options opts) {
    boolean legacy = opts.legacy() || opts.legacyAll();
    Set<Integer> groups = new TreeSet<>(opts.groups());
    Set<Integer> objects = new TreeSet<>(opts.objects());
    for (int g : groups) {
      if (g == 0) {
        throw new IllegalArgumentException("invalid group ID 0");
      }
    }
    for (int o : objects) {
      if (o == 0) {
        throw new IllegalArgumentException("invalid object ID 0");
      }
    }
    if (opts.legacyAll()) {
      for (SifDescriptor d : all) {
        if (d.dataType() != SifCodes.DATA_SIGNATURE && d.groupId() != 0) {
          objects.add(d.id());
        }
      }
    }
    if (groups.isEmpty() && objects.isEmpty()) {
      if (legacy) {
        for (SifDescriptor d : all) {
          if (d.partition().map(p -> p.partType() == SifCodes.PART_PRIMARY_SYSTEM).orElse(false)) {
            objects.add(d.id());
          }
        }
      } else {
        for (SifDescriptor d : all) {
          if (d.groupId() != 0) {
            groups.add(d.groupId());
          }
        }
      }
      if (groups.isEmpty() && objects.isEmpty()) {
        throw new IllegalArgumentException("no groups found");
      }
    }
    List<Task> tasks = new ArrayList<>();
    for (int g : groups) {
      List<SifDescriptor> members = inGroup(all, g);
      if (members.isEmpty()) {
        throw new IllegalArgumentException("object group " + g + " not found");
      }
      tasks.add(new Task(legacy, true, g, g, groupSignatures(all, g, legacy), members));
    }
    for (int id : objects) {
      SifDescriptor d =
          all.stream()
              .filter(x -> x.id() == id)
              .findFirst()
              .orElseThrow(() -> new IllegalArgumentException("object " + id + " not found"));
      if (legacy) {
        List<SifDescriptor> sigs =
            all.stream()
                .filter(x -> x.dataType() == SifCodes.DATA_SIGNATURE && x.linkRaw() == id)
                .toList();
        tasks.add(new Task(true, false, id, d.groupId(), sigs, List.of(d)));
      } else {
        if (d.groupId() == 0) {
          throw new IllegalArgumentException("object " + id + " belongs to no object group");
        }
        tasks.add(
            new Task(
                false,
                false,
                id,
                d.groupId(),
                groupSignatures(all, d.groupId(), false),
                List.of(d)));
      }
    }
    return tasks;
  }

  private static List<SifDescriptor> inGroup(List<SifDescriptor> all, int g) {
    return all.stream().filter(d -> d.groupId() == g).toList();
  }

  private List<SifDescriptor> groupSignatures(List<SifDescriptor> all, int g, boolean legacy) {
    List<SifDescriptor> out = new ArrayList<>();
    for (SifDescriptor d : all) {
      if (d.dataType() == SifCodes.DATA_SIGNATURE
          && d.linksGroup()
          && d.linkedId() == g
          && isLegacy(d) == legacy) {
        out.add(d);
      }
    }
    return out;
  }

  /** Legacy iff the data is clear-signed and its text starts with {@code SIFHASH:\n}. */
  private boolean isLegacy(SifDescriptor d) {
    return legacy.computeIfAbsent(d.id(), id -> readsAsLegacy(d));
  }

  private boolean readsAsLegacy(SifDescriptor d) {
    try {
      byte[] data = sif.readObject(d, MAX_SIGNATURE);
      if (!opensClearSigned(data)) {
        return false; // not clear-signed (a DSSE envelope): Pgp.parse would refuse it too
      }
      Pgp.ClearSigned c = Pgp.parse(data);
      return new String(Pgp.plainText(c), StandardCharsets.UTF_8).startsWith("SIFHASH:\n");
    } catch (IOException e) {
      return false;
    }
  }

  /**
   * Whether {@code data} opens as an OpenPGP clear-signed message (line ends LF or CRLF). Asked
   * before {@link Pgp} is touched: linking Pgp loads BouncyCastle's classes from a signed jar, and
   * the JDK checks that jar's signature first, about 50 ms here. A DSSE signature's verify need not
   * pay it, and neither should every sifctl command: once the training's verify had loaded Pgp, JDK
   * 25's AOT cache linked it at every start (docs/benchmarks.md).
   */
  static boolean opensClearSigned(byte[] data) {
    byte[] begin = Pgp.BEGIN.getBytes(StandardCharsets.US_ASCII);
    int n = begin.length;
    return data.length > n + 1
        && Arrays.equals(data, 0, n, begin, 0, n)
        && (data[n] == '\n' || data[n] == '\r' && data[n + 1] == '\n');
  }

  private Outcome check(Task t, SifDescriptor s, List<SifDescriptor> all) {
    int sid = s.id();
    String kind = "unknown";
    String signer = "";
    String name = "";
    try {
      byte[] data = sif.readObject(s, MAX_SIGNATURE);
      int hash = s.signature().map(SifDescriptor.Signature::hashType).orElse(0);
      if (hash < SifCodes.HASH_SHA256 || hash > SifCodes.HASH_BLAKE2B) {
        return fail(sid, kind, "hash algorithm unsupported");
      }
      byte[] payload;
      Dsse env = dsse(data);
      if (env != null) {
        kind = "DSSE";
        if (keys.dsse().isEmpty()) {
          return fail(
              sid, kind, "key material not provided for DSSE envelope signature (use --key)");
        }
        signer = verifyEnvelope(env);
        if (signer == null) {
          return fail(
              sid,
              kind,
              "signature object "
                  + sid
                  + " not valid: dsse: verify envelope failed: accepted signatures do not match"
                  + " threshold, Found: 0, Expected 1");
        }
        payload = env.payload();
      } else {
        Pgp.ClearSigned c;
        try {
          c = Pgp.parse(data);
        } catch (IOException e) {
          return fail(sid, kind, "signature format not recognized");
        }
        kind = "PGP";
        if (keys.pgp() == null) {
          return fail(
              sid, kind, "key material not provided for PGP clear-sign signature (use --keyring)");
        }
        PGPPublicKey k = Pgp.verify(c, keys.pgp().publicKeys());
        if (k == null) {
          return fail(
              sid,
              kind,
              "signature object "
                  + sid
                  + " not valid: openpgp: signature made by unknown entity (key "
                  + Pgp.keyIdHex(c)
                  + ") or invalid");
        }
        PGPPublicKey primary = keys.pgp().primaryOf(k);
        signer = HexFormat.of().withUpperCase().formatHex(Pgp.fingerprint(primary));
        name = firstUserId(primary);
        byte[] recorded =
            s.signature().map(SifDescriptor.Signature::fingerprint).orElse(new byte[0]);
        if (!Arrays.equals(Arrays.copyOf(recorded, 20), Pgp.fingerprint(primary))) {
          return fail(sid, kind, "fingerprint in descriptor does not correspond to signing entity");
        }
        payload = Pgp.plainText(c);
      }
      ImageMetadata signed;
      try {
        signed = ImageMetadata.parse(payload);
      } catch (IOException e) {
        return fail(sid, kind, "signature object " + sid + " not valid: " + e.getMessage());
      }
      List<SifDescriptor> group = inGroup(all, t.groupId());
      long minId = group.stream().mapToLong(d -> Integer.toUnsignedLong(d.id())).min().orElse(0);
      Set<Long> signedIds = new LinkedHashSet<>();
      for (ImageMetadata.ObjectDigests o : signed.objects()) {
        signedIds.add(minId + o.relativeId());
      }
      if (t.group()) {
        for (SifDescriptor d : group) {
          if (!signedIds.contains(Integer.toUnsignedLong(d.id()))) {
            return fail(sid, kind, "object " + d.id() + ": object not signed", signer, name);
          }
        }
        Set<Long> present = new TreeSet<>();
        group.forEach(d -> present.add(Integer.toUnsignedLong(d.id())));
        for (long id : signedIds) {
          if (!present.contains(id)) {
            return fail(sid, kind, "object " + id + ": signed object not found", signer, name);
          }
        }
      }
      ImageMetadata now = ImageMetadata.of(sif, t.objects(), minId);
      if (!now.headerDigest().equals(signed.headerDigest())) {
        return fail(sid, kind, "header integrity compromised", signer, name);
      }
      List<Integer> verified = new ArrayList<>();
      for (int i = 0; i < t.objects().size(); i++) {
        SifDescriptor d = t.objects().get(i);
        long rel = Integer.toUnsignedLong(d.id()) - minId;
        ImageMetadata.ObjectDigests want =
            signed.objects().stream().filter(o -> o.relativeId() == rel).findFirst().orElse(null);
        ImageMetadata.ObjectDigests have =
            now.objects().stream().filter(o -> o.relativeId() == rel).findFirst().orElseThrow();
        if (want == null) {
          return fail(sid, kind, "object " + d.id() + ": object not signed", signer, name);
        }
        if (!want.descriptorDigest().equals(have.descriptorDigest())) {
          return fail(
              sid, kind, "data object descriptor integrity compromised: " + d.id(), signer, name);
        }
        if (!want.objectDigest().equals(have.objectDigest())) {
          return fail(sid, kind, "data object integrity compromised: " + d.id(), signer, name);
        }
        verified.add(d.id());
      }
      return new Outcome(sid, kind, signer, name, List.copyOf(verified), null);
    } catch (SifException e) {
      return fail(sid, kind, e.getMessage());
    }
  }

  private Outcome checkLegacy(Task t, SifDescriptor s) {
    int sid = s.id();
    String kind = "legacy";
    try {
      if (keys.pgp() == null) {
        return fail(
            sid, kind, "key material not provided for PGP clear-sign signature (use --keyring)");
      }
      Pgp.ClearSigned c;
      try {
        c = Pgp.parse(sif.readObject(s, MAX_SIGNATURE));
      } catch (IOException e) {
        return fail(
            sid, kind, "signature object " + sid + " not valid: clearsigned message not found");
      }
      PGPPublicKey k = Pgp.verify(c, keys.pgp().publicKeys());
      if (k == null) {
        return fail(
            sid,
            kind,
            "signature object " + sid + " not valid: openpgp: signature made by unknown entity");
      }
      PGPPublicKey primary = keys.pgp().primaryOf(k);
      String signer = HexFormat.of().withUpperCase().formatHex(Pgp.fingerprint(primary));
      String name = firstUserId(primary);
      var sigInfo = s.signature().orElseThrow();
      if (!Arrays.equals(Arrays.copyOf(sigInfo.fingerprint(), 20), Pgp.fingerprint(primary))) {
        return fail(sid, kind, "fingerprint in descriptor does not correspond to signing entity");
      }
      String text = new String(Pgp.plainText(c), StandardCharsets.UTF_8);
      if (!text.startsWith("SIFHASH:\n")) {
        return fail(sid, kind, "signature object " + sid + " not valid: not a legacy signature");
      }
      String hex = text.substring("SIFHASH:\n".length()).strip();
      String alg =
          switch (sigInfo.hashType()) {
            case SifCodes.HASH_SHA256 -> "SHA-256";
            case SifCodes.HASH_SHA384 -> "SHA-384";
            case SifCodes.HASH_SHA512 -> "SHA-512";
            default -> null;
          };
      if (alg == null) {
        return fail(sid, kind, "hash algorithm unsupported");
      }
      MessageDigest md = MessageDigest.getInstance(alg);
      List<SifDescriptor> covered = t.group() ? t.objects() : List.of(t.objects().get(0));
      for (SifDescriptor d : covered) {
        try (InputStream in = sif.openObject(d.id())) {
          byte[] buf = new byte[1 << 16];
          for (int n; (n = in.read(buf)) > 0; ) {
            md.update(buf, 0, n);
          }
        }
      }
      if (!HexFormat.of().formatHex(md.digest()).equals(hex)) {
        return fail(
            sid,
            kind,
            t.group()
                ? "data object integrity compromised"
                : "data object integrity compromised: " + t.id(),
            signer,
            name);
      }
      return new Outcome(
          sid, kind, signer, name, covered.stream().map(SifDescriptor::id).toList(), null);
    } catch (IOException | NoSuchAlgorithmException e) {
      return fail(sid, kind, e.getMessage());
    }
  }

  /** The envelope if {@code data} is a SIF-metadata DSSE envelope, else null. */
  private static Dsse dsse(byte[] data) {
    try {
      Dsse env = Dsse.parse(data);
      return Dsse.SIF_METADATA.equals(env.payloadType()) ? env : null;
    } catch (IOException e) {
      return null;
    }
  }

  /** The key id of a supplied key that verifies one of the envelope's signatures, or null. */
  private String verifyEnvelope(Dsse env) {
    byte[] pae = Dsse.pae(env.payloadType(), env.payload());
    for (PublicKey k : keys.dsse()) {
      String id;
      try {
        id = KeyPairs.keyId(k);
      } catch (IOException e) {
        continue;
      }
      for (Dsse.Sig s : env.signatures()) {
        if (!s.keyId().isEmpty() && !s.keyId().equals(id)) {
          continue;
        }
        if (KeyPairs.verify(k, pae, s.sig())) {
          return id;
        }
      }
    }
    return null;
  }

  private static String firstUserId(PGPPublicKey k) {
    var ids = k.getUserIDs();
    return ids.hasNext() ? ids.next() : "";
  }

  private static Outcome fail(int sid, String kind, String error) {
    return new Outcome(sid, kind, "", "", List.of(), error);
  }

  private static Outcome fail(int sid, String kind, String error, String signer, String name) {
    return new Outcome(sid, kind, signer, name, List.of(), error);
  }
}
