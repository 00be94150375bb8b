package io.sifkube.e2e;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Throw-away certificates for the mutual-TLS tests, made with openssl: P-256 keys (PKCS#8, as
 * siflet and the operator read them), valid for two days, {@code NAME.crt} and {@code NAME.key}.
 */
final class TestPki {

  private final Path dir;

  TestPki(Path dir) throws Exception {
    this.dir = Files.createDirectories(dir);
  }

  Path dir() {
    return dir;
  }

  /** A self-signed CA {@code name}. */
  TestPki ca(String name) throws Exception {
    openssl(
        "req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout %1$s.key"
            + " -out %1$s.crt -subj /CN=%1$s -days 2",
        name);
    return this;
  }

  /** A certificate {@code name} signed by CA {@code ca}, with {@code san} as subjectAltName. */
  TestPki cert(String name, String ca, String san) throws Exception {
    return cert(name, ca, san, null);
  }

  /** A certificate for serving TLS only (extended key usage serverAuth), as siflet's. */
  TestPki server(String name, String ca, String san) throws Exception {
    return cert(name, ca, san, "serverAuth");
  }

  /** A certificate for TLS clients only (extended key usage clientAuth), as the operator's. */
  TestPki client(String name, String ca, String san) throws Exception {
    return cert(name, ca, san, "clientAuth");
  }

  private TestPki cert(String name, String ca, String san, String usage) throws Exception {
    Files.writeString(
        dir.resolve(name + ".ext"),
        "subjectAltName="
            + san
            + "\n"
            + (usage == null
                ? ""
                : "extendedKeyUsage=" + usage + "\nkeyUsage=digitalSignature,keyEncipherment\n"));
    openssl(
        "req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout %1$s.key -out %1$s.csr"
            + " -subj /CN=%1$s",
        name);
    openssl(
        "x509 -req -in %1$s.csr -CA %2$s.crt -CAkey %2$s.key -CAcreateserial -out %1$s.crt"
            + " -days 2 -extfile %1$s.ext",
        name, ca);
    return this;
  }

  private void openssl(String args, Object... values) throws Exception {
    Launcher.exec(List.of("sh", "-c", "cd " + dir + " && openssl " + String.format(args, values)))
        .ok();
  }
}
