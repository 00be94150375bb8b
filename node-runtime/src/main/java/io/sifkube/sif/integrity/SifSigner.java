package io.sifkube.sif.integrity;

import io.sifkube.sif.ObjectInput;
import io.sifkube.sif.SifCodes;
import io.sifkube.sif.SifDescriptor;
import io.sifkube.sif.SifException;
import io.sifkube.sif.SifException.Reason;
import io.sifkube.sif.SifFile;
import io.sifkube.sif.SifHeader;
import io.sifkube.sif.SifWriter;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import org.bouncycastle.openpgp.PGPSecretKey;

/**
 * Signs a SIF as sylabs/sif v2's {@code integrity.Signer} does: by default one signature per object
 * group (ascending), covering every object of the group and the header; with {@code groups} only
 * those; with {@code objects} one signature per group of the objects named, listing only them. Each
 * signature is a new object with no group, linked to the group it signs, appended after the last
 * object's data, with hash type SHA-256 and, for PGP, the signing key's fingerprint. Its time is
 * zero for a deterministic image (as OCI-SIFs are), else now.
 */
public final class SifSigner {

  /** The key material: PEM private keys (one DSSE envelope signed by all) or one PGP key. */
  public record Keys(List<PrivateKey> dsse, PGPSecretKey pgp, char[] passphrase) {
    public static Keys dsse(List<PrivateKey> keys) {
      return new Keys(List.copyOf(keys), null, new char[0]);
    }

    public static Keys pgp(PGPSecretKey key, char[] passphrase) {
      return new Keys(List.of(), key, passphrase);
    }
  }

  /** One signature made: its object ID, the group it links and the objects it covers. */
  public record Signed(int signatureId, int group, List<Integer> objects) {}

  private SifSigner() {}

  public static List<Signed> sign(Path file, Keys keys, List<Integer> groups, List<Integer> objects)
      throws IOException {
    Map<Integer, List<SifDescriptor>> tasks = new LinkedHashMap<>();
    try (SifFile sif = SifFile.open(file)) {
      Map<Integer, List<SifDescriptor>> byGroup = new TreeMap<>();
      for (SifDescriptor d : sif.descriptors()) {
        if (d.groupId() != 0) {
          byGroup.computeIfAbsent(d.groupId(), g -> new ArrayList<>()).add(d);
        }
      }
      if (groups.isEmpty() && objects.isEmpty()) {
        if (byGroup.isEmpty()) {
          throw new SifException(file, Reason.INVALID_ARGUMENT, "no object groups to sign");
        }
        tasks.putAll(byGroup);
      }
      for (int g : new TreeSet<>(groups)) {
        List<SifDescriptor> members = byGroup.get(g);
        if (members == null) {
          throw new SifException(file, Reason.NOT_FOUND, "object group " + g + " not found");
        }
        tasks.put(g, members);
      }
      Map<Integer, List<SifDescriptor>> byObjects = new TreeMap<>();
      for (int id : new TreeSet<>(objects)) {
        SifDescriptor d = sif.descriptor(id);
        if (d.groupId() == 0) {
          throw new SifException(
              file, Reason.INVALID_ARGUMENT, "object " + id + " belongs to no object group");
        }
        byObjects.computeIfAbsent(d.groupId(), g -> new ArrayList<>()).add(d);
      }
      // object-list signatures come after group ones, one per group
      List<Map.Entry<Integer, List<SifDescriptor>>> all = new ArrayList<>(tasks.entrySet());
      all.addAll(byObjects.entrySet());
      List<byte[]> payloads = new ArrayList<>();
      List<Integer> linkGroups = new ArrayList<>();
      List<List<Integer>> covered = new ArrayList<>();
      for (var task : all) {
        ImageMetadata meta = relativeTo(sif, task.getKey(), task.getValue(), byGroup);
        payloads.add(encode(meta.toJson(), keys));
        linkGroups.add(task.getKey());
        covered.add(task.getValue().stream().map(SifDescriptor::id).sorted().toList());
      }
      sif.close();
      return append(file, keys, payloads, linkGroups, covered);
    }
  }

  /**
   * The metadata of {@code objects}, relative IDs counted from the lowest ID of the whole group
   * (not of the objects listed), as the reference does.
   */
  private static ImageMetadata relativeTo(
      SifFile sif,
      int group,
      List<SifDescriptor> objects,
      Map<Integer, List<SifDescriptor>> byGroup)
      throws SifException {
    long groupMin =
        byGroup.get(group).stream()
            .mapToLong(d -> Integer.toUnsignedLong(d.id()))
            .min()
            .orElseThrow();
    return ImageMetadata.of(sif, objects, groupMin);
  }

  private static byte[] encode(byte[] payload, Keys keys) throws IOException {
    if (!keys.dsse().isEmpty()) {
      byte[] pae = Dsse.pae(Dsse.SIF_METADATA, payload);
      List<Dsse.Sig> sigs = new ArrayList<>();
      for (PrivateKey k : keys.dsse()) {
        sigs.add(new Dsse.Sig(KeyPairs.keyId(KeyPairs.publicOf(k)), KeyPairs.sign(k, pae)));
      }
      return new Dsse(Dsse.SIF_METADATA, payload, sigs).toJson();
    }
    if (keys.pgp() != null) {
      return Pgp.clearSign(payload, keys.pgp(), keys.passphrase());
    }
    throw new IllegalArgumentException("no key material");
  }

  private static List<Signed> append(
      Path file,
      Keys keys,
      List<byte[]> payloads,
      List<Integer> groups,
      List<List<Integer>> covered)
      throws IOException {
    byte[] fingerprint =
        keys.pgp() != null ? Pgp.fingerprint(keys.pgp().getPublicKey()) : new byte[0];
    List<Signed> out = new ArrayList<>();
    try (SifWriter w = SifWriter.open(file)) {
      if (w.header().isDeterministic()) {
        w.withTime(SifHeader.ZERO_TIME);
      }
      for (int i = 0; i < payloads.size(); i++) {
        ObjectInput in =
            ObjectInput.signature(SifCodes.HASH_SHA256, fingerprint)
                .withGroup(0)
                .withLink(groups.get(i), true);
        SifWriter.Added a = w.add(in, new ByteArrayInputStream(payloads.get(i)));
        out.add(new Signed(a.descriptor().id(), groups.get(i), covered.get(i)));
      }
    }
    return out;
  }
}
