package io.sifkube.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code sifctl sign} and {@code sifctl verify} against the reference implementation: what we sign,
 * the reference's {@code pkg/integrity} verifies (sifverify, built by hack/sif-reference.sh from
 * Debian's golang-github-sylabs-sif-dev); what it signs, we verify; a flipped byte fails both;
 * {@code sifctl sif list} shows our signature objects as the reference's siftool does.
 */
class SignatureInteropIT {

  private static final Path REF = Launcher.sifReference();
  private static final Path KEYS = REF.resolve("keys");

  @TempDir Path tmp;

  private static Launcher.Result sifverify(String... args) throws Exception {
    List<String> cmd = new ArrayList<>();
    cmd.add(REF.resolve("bin/sifverify").toString());
    cmd.addAll(List.of(args));
    return Launcher.exec(cmd);
  }

  private Path copy(String name) throws Exception {
    Path f = tmp.resolve("copy-" + System.nanoTime() + "-" + name);
    Files.copy(REF.resolve(name), f);
    return f;
  }

  private static Path flipped(Path f, long at) throws Exception {
    Path out = f.resolveSibling("flipped-" + f.getFileName());
    byte[] b = Files.readAllBytes(f);
    b[(int) at] ^= 0x01;
    Files.write(out, b);
    return out;
  }

  @Test
  void whatSifctlSignsTheReferenceVerifiesForEveryKeyType() throws Exception {
    for (String k : List.of("ecdsa", "ed25519", "rsa")) {
      Path f = copy("two-groups.sif");
      Launcher.sifctl("sign", "--key", KEYS.resolve(k + "-private.pem").toString(), f.toString())
          .ok();
      Launcher.Result ref =
          sifverify("verify", f.toString(), "--key", KEYS.resolve(k + "-public.pem").toString());
      assertThat(ref.status()).as(k + ": " + ref.err()).isZero();
      // the reference refuses it with another key, as we do
      String other = k.equals("rsa") ? "ecdsa" : "rsa";
      assertThat(
              sifverify(
                      "verify",
                      f.toString(),
                      "--key",
                      KEYS.resolve(other + "-public.pem").toString())
                  .status())
          .isEqualTo(1);
      // a flipped data byte of object 3 (group 2): both refuse, we name the object
      long at;
      String list = Launcher.sifctl("sif", "list", f.toString()).ok().out();
      at =
          Long.parseLong(
                  list.lines()
                      .filter(l -> l.startsWith("3 "))
                      .findFirst()
                      .orElseThrow()
                      .split("\\|")[3]
                      .trim()
                      .split("-")[0])
              + 100;
      Path bad = flipped(f, at);
      assertThat(
              sifverify(
                      "verify", bad.toString(), "--key", KEYS.resolve(k + "-public.pem").toString())
                  .err())
          .contains("data object integrity compromised: 3");
      Launcher.Result ours =
          Launcher.sifctl(
              "verify", "--key", KEYS.resolve(k + "-public.pem").toString(), bad.toString());
      assertThat(ours.status()).isEqualTo(1);
      assertThat(ours.err()).contains("data object integrity compromised: 3");
      // the reference siftool lists our signature objects as we do
      assertThat(Launcher.sifctl("sif", "list", f.toString()).ok().out())
          .isEqualTo(
              Launcher.exec(List.of(REF.resolve("bin/siftool").toString(), "list", f.toString()))
                  .ok()
                  .out());
    }
  }

  @Test
  void pgpSignaturesGoBothWays() throws Exception {
    String ring = KEYS.resolve("private.asc").toString();
    Path ours = copy("one-group.sif");
    Launcher.sifctl("sign", "--keyring", ring, ours.toString()).ok();
    Launcher.Result ref = sifverify("verify", ours.toString(), "--keyring", ring);
    assertThat(ref.status()).as(ref.err()).isZero();

    Path theirs = copy("two-groups.sif");
    sifverify("sign", theirs.toString(), "--keyring", ring).ok();
    Launcher.Result v = Launcher.sifctl("verify", "--keyring", ring, theirs.toString());
    assertThat(v.status()).as(v.err()).isZero();
    assertThat(v.out())
        .contains("Fingerprint:    12045C8C0B1004D058DE4BEDA20C27EE7FF7BA84")
        .contains("Verified signature(s)");
  }

  @Test
  void whatTheReferenceSignsWithEachKeyTypeSifctlVerifies() throws Exception {
    for (String k : List.of("ecdsa", "ed25519", "rsa")) {
      Path f = copy("two-groups.sif");
      sifverify("sign", f.toString(), "--key", KEYS.resolve(k + "-private.pem").toString()).ok();
      Launcher.Result v =
          Launcher.sifctl(
              "verify",
              "-o",
              "json",
              "--key",
              KEYS.resolve(k + "-public.pem").toString(),
              f.toString());
      assertThat(v.status()).as(k + ": " + v.err()).isZero();
      assertThat(v.out()).contains("\"verified\":true").contains("\"kind\":\"DSSE\"");
    }
  }

  @Test
  void anOciSifSignedBySifctlVerifiesWithTheReferenceAndSurvivesAnOrasRoundTrip() throws Exception {
    Path layout =
        TestImages.layout(
            tmp.resolve("layout"),
            "v1",
            "amd64",
            List.of(new TestImages.Layer().file("a", "b", 0644)));
    Path sif = tmp.resolve("img.oci.sif");
    Launcher.sifctl(
            "pull",
            "--cache-dir",
            tmp.resolve("cache").toString(),
            "oci:" + layout + ":v1",
            sif.toString())
        .ok();
    Launcher.sifctl("sign", "--key", KEYS.resolve("ed25519-private.pem").toString(), sif.toString())
        .ok();
    assertThat(
            sifverify(
                    "verify",
                    sif.toString(),
                    "--key",
                    KEYS.resolve("ed25519-public.pem").toString())
                .status())
        .isZero();
    try (RegistryHarness r = RegistryHarness.start(tmp.resolve("registry"))) {
      String dest = "oras://" + r.host() + "/signed/img:1";
      Launcher.sifctl("push", sif.toString(), dest).ok();
      Path back = tmp.resolve("back.oci.sif");
      Launcher.sifctl("pull", dest, back.toString()).ok();
      assertThat(Files.mismatch(sif, back)).isEqualTo(-1L);
      Launcher.sifctl(
              "verify", "--key", KEYS.resolve("ed25519-public.pem").toString(), back.toString())
          .ok();
    }
  }
}
