package io.sifkube.operator.image;

import com.google.protobuf.ByteString;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.sifkube.api.v1alpha1.SifImage;
import io.sifkube.api.v1alpha1.SifImageSpec;
import io.sifkube.node.v1.SignaturePolicy;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import java.util.TreeMap;

/**
 * The keys a SifImage's {@code spec.verify} names, read from its Secret or ConfigMap into the
 * policy siflet checks a pulled image against: entries ending in {@code .pem} are PEM public keys,
 * entries ending in {@code .asc}, {@code .gpg} or {@code .pgp} are OpenPGP keyrings. Keys travel to
 * siflet over mutual TLS only and are never logged or written to status.
 */
public final class SignaturePolicies {

  private SignaturePolicies() {}

  /** Whether runs of {@code img} need a verified signature. */
  public static boolean required(SifImage img) {
    SifImageSpec.Verify v = img.getSpec() == null ? null : img.getSpec().verify;
    return v != null && Boolean.TRUE.equals(v.required);
  }

  /**
   * The policy of {@code img}, or null when it has no {@code spec.verify}.
   *
   * @throws IllegalArgumentException naming the Secret or ConfigMap and what is wrong with it
   */
  public static SignaturePolicy forImage(KubernetesClient client, SifImage img) {
    SifImageSpec.Verify v = img.getSpec().verify;
    if (v == null) {
      return null;
    }
    String ns = img.getMetadata().getNamespace();
    String kind = v.keysFrom.kind;
    String name = v.keysFrom.name;
    Map<String, byte[]> entries = new TreeMap<>();
    if (kind.equals("Secret")) {
      Secret s = client.secrets().inNamespace(ns).withName(name).get();
      if (s == null) {
        throw new IllegalArgumentException("spec.verify.keysFrom: Secret " + name + " not found");
      }
      if (s.getData() != null) {
        s.getData().forEach((k, b64) -> entries.put(k, Base64.getDecoder().decode(b64)));
      }
    } else {
      ConfigMap c = client.configMaps().inNamespace(ns).withName(name).get();
      if (c == null) {
        throw new IllegalArgumentException(
            "spec.verify.keysFrom: ConfigMap " + name + " not found");
      }
      if (c.getData() != null) {
        c.getData().forEach((k, t) -> entries.put(k, t.getBytes(StandardCharsets.UTF_8)));
      }
      if (c.getBinaryData() != null) {
        c.getBinaryData().forEach((k, b64) -> entries.put(k, Base64.getDecoder().decode(b64)));
      }
    }
    return fromEntries(entries, kind + " " + name);
  }

  /** The policy of a key store's entries (pure: tested without a cluster). */
  static SignaturePolicy fromEntries(Map<String, byte[]> entries, String where) {
    SignaturePolicy.Builder b = SignaturePolicy.newBuilder();
    for (var e : new TreeMap<>(entries).entrySet()) {
      String k = e.getKey();
      if (k.endsWith(".pem")) {
        String pem = new String(e.getValue(), StandardCharsets.US_ASCII);
        if (!pem.contains("-----BEGIN PUBLIC KEY-----")) {
          throw new IllegalArgumentException(
              where + ": " + k + " is not a PEM public key (-----BEGIN PUBLIC KEY-----)");
        }
        b.addPublicKeysPem(pem);
      } else if (k.endsWith(".asc") || k.endsWith(".gpg") || k.endsWith(".pgp")) {
        b.addPgpKeyrings(ByteString.copyFrom(e.getValue()));
      }
    }
    if (b.getPublicKeysPemCount() == 0 && b.getPgpKeyringsCount() == 0) {
      throw new IllegalArgumentException(
          where + " holds no key: entries ending in .pem (public keys) or .asc/.gpg (keyrings)");
    }
    return b.build();
  }
}
