package io.sifkube.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sifkube.e2e.TestImages.Layer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code sifctl push} of an OCI-SIF to Debian's docker-registry, plain and TLS + htpasswd: the
 * registry holds the OCI-SIF's own manifest (skopeo reads it back), a pull gives back the same file
 * byte for byte, blobs the registry has are not sent twice, a mount from another repository is
 * used, large layers go in chunks, and refusals are one clear line.
 */
class PushIT {

  private static final String USER = "pusher";
  private static final String PASSWORD = "s3cret-push";
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir static Path shared;
  private static RegistryHarness plain;
  private static RegistryHarness secure;
  private static Path small;
  private static Path large;

  @BeforeAll
  static void start() throws Exception {
    plain = RegistryHarness.start(shared.resolve("plain"));
    secure = RegistryHarness.startSecure(shared.resolve("secure"), USER, PASSWORD);
    small = ociSif("small", new Layer().file("hello", "world", 0644));
    // 3 MiB of noise: squashfs cannot shrink it, so the layer exceeds a 1 MiB chunk
    byte[] noise = new byte[3 << 20];
    new Random(7).nextBytes(noise);
    large = ociSif("large", new Layer().file("noise", noise, 0644));
  }

  @AfterAll
  static void stop() throws Exception {
    for (RegistryHarness r : new RegistryHarness[] {plain, secure}) {
      if (r != null) {
        r.close();
      }
    }
  }

  private static Path ociSif(String name, Layer layer) throws Exception {
    Path layout =
        TestImages.layout(shared.resolve("layout-" + name), "v1", "amd64", List.of(layer));
    Path out = shared.resolve(name + ".oci.sif");
    pull("oci:" + layout + ":v1", out).ok();
    return out;
  }

  /**
   * sifctl with a cache of its own for each call: pushes remember where blobs went (for automatic
   * mounts), and the tests must not mount what another test pushed.
   */
  private static Launcher.Result sifctl(String... args) throws Exception {
    return sifctlWithEnv(Map.of(), args);
  }

  private static Launcher.Result sifctlWithEnv(Map<String, String> env, String... args)
      throws Exception {
    Map<String, String> all = new java.util.HashMap<>(env);
    all.putIfAbsent("SIFKUBE_CACHEDIR", Files.createTempDirectory(shared, "cache").toString());
    return Launcher.sifctlWithEnv(all, args);
  }

  /** A pull into a cache of its own: what comes back is what the registry served. */
  private static Launcher.Result pull(String source, Path dest) throws Exception {
    Path cache = Files.createTempDirectory(shared, "cache");
    return sifctl("pull", "--cache-dir", cache.toString(), source, dest.toString());
  }

  /** The manifest digest sifctl reports for an OCI-SIF (its RootIndex's only entry). */
  private static String manifestDigest(Path sif) throws Exception {
    String list = sifctl("sif", "list", sif.toString()).ok().out();
    assertThat(list).contains("OCI.RootIndex");
    String id = null;
    for (String line : list.split("\n")) {
      if (line.contains("OCI.RootIndex")) {
        id = line.strip().split("\\s+")[0];
      }
    }
    String index = sifctl("sif", "dump", id, sif.toString()).ok().out();
    return JSON.readTree(index).path("manifests").get(0).path("digest").asText();
  }

  private static JsonNode skopeoRaw(String ref, String... extra) throws Exception {
    List<String> cmd = new java.util.ArrayList<>(List.of("skopeo", "inspect", "--raw"));
    cmd.addAll(List.of(extra));
    cmd.add(ref);
    return JSON.readTree(Launcher.exec(cmd).ok().out());
  }

  @Test
  void pushThenPullIsTheSameFileAndSkopeoSeesTheOciSifsManifest() throws Exception {
    String dest = "docker://" + plain.host() + "/sifkube/small:v1";
    Launcher.Result r = sifctl("push", small.toString(), dest).ok();
    String digest = manifestDigest(small);
    assertThat(r.err()).contains("Image " + digest + " pushed to " + dest);

    JsonNode m = skopeoRaw(dest, "--tls-verify=false");
    assertThat(m.path("layers")).hasSize(1);
    assertThat(m.path("layers").get(0).path("mediaType").asText())
        .isEqualTo("application/vnd.sylabs.image.layer.v1.squashfs");
    Launcher.Result inspect =
        Launcher.exec(List.of("skopeo", "inspect", "--tls-verify=false", dest)).ok();
    assertThat(JSON.readTree(inspect.out()).path("Digest").asText()).isEqualTo(digest);

    Path back = shared.resolve("small-back.oci.sif");
    pull(dest, back).ok();
    assertThat(Files.mismatch(small, back)).as("pulled back byte for byte").isEqualTo(-1L);

    // a second push sends no blob again
    Launcher.Result again = sifctl("push", small.toString(), dest).ok();
    assertThat(again.err()).contains("skipped: already exists").doesNotContain("bytes)");
  }

  @Test
  void aMountFromAnotherRepositoryIsUsed() throws Exception {
    sifctl("push", small.toString(), "docker://" + plain.host() + "/sifkube/origin:v1").ok();
    Launcher.Result r =
        sifctl(
                "push",
                "--from",
                "sifkube/origin",
                small.toString(),
                "docker://" + plain.host() + "/sifkube/copy:v1")
            .ok();
    assertThat(r.err()).contains("mounted from sifkube/origin").doesNotContain("bytes)");
  }

  @Test
  void aBlobPushedBeforeIsMountedFromWhereItWentWithoutBeingTold() throws Exception {
    Map<String, String> cache =
        Map.of("SIFKUBE_CACHEDIR", Files.createTempDirectory(shared, "locations").toString());
    Launcher.Result first =
        sifctlWithEnv(
                cache, "push", small.toString(), "docker://" + plain.host() + "/sifkube/first:v1")
            .ok();
    assertThat(first.err()).contains("bytes)");
    Launcher.Result second =
        sifctlWithEnv(
                cache, "push", small.toString(), "docker://" + plain.host() + "/sifkube/second:v1")
            .ok();
    assertThat(second.err()).contains("mounted from sifkube/first").doesNotContain("bytes)");
    Path back = shared.resolve("second.oci.sif");
    pull("docker://" + plain.host() + "/sifkube/second:v1", back).ok();
    assertThat(Files.mismatch(small, back)).isEqualTo(-1L);
  }

  @Test
  void aLayerBeyondTheChunkSizeGoesInChunksAndComesBackWhole() throws Exception {
    String dest = "docker://" + plain.host() + "/sifkube/large:v1";
    Launcher.Result r =
        sifctl("push", "--chunk-size", String.valueOf(1 << 20), large.toString(), dest).ok();
    assertThat(r.err()).contains("pushed to " + dest).containsPattern("bytes in [3-9] chunks\\)");
    Path back = shared.resolve("large-back.oci.sif");
    pull(dest, back).ok();
    assertThat(Files.mismatch(large, back)).isEqualTo(-1L);
  }

  @Test
  void anAuthenticatedTlsRegistryTakesThePushWithTheAuthfileAndRefusesItWithout() throws Exception {
    Path certs = shared.resolve("certs.d");
    Path ca = Files.createDirectories(certs.resolve(secure.host()));
    Files.copy(secure.caCert(), ca.resolve("ca.crt"), StandardCopyOption.REPLACE_EXISTING);
    Map<String, String> env = Map.of("SIFKUBE_CERTS_DIR", certs.toString());
    Path auth = shared.resolve("auth.json");
    Files.writeString(
        auth,
        "{\"auths\":{\""
            + secure.host()
            + "\":{\"auth\":\""
            + Base64.getEncoder()
                .encodeToString((USER + ":" + PASSWORD).getBytes(StandardCharsets.UTF_8))
            + "\"}}}");
    String dest = "docker://" + secure.host() + "/private/small:v1";

    Path noLogin = shared.resolve("no-login.json");
    Files.writeString(noLogin, "{\"auths\":{}}");
    Launcher.Result refused =
        sifctlWithEnv(env, "push", "--authfile", noLogin.toString(), small.toString(), dest);
    assertThat(refused.status()).isEqualTo(1);
    assertThat(refused.err())
        .contains("unauthorized")
        .contains("--authfile")
        .doesNotContain("\tat ");

    sifctlWithEnv(env, "push", "--authfile", auth.toString(), small.toString(), dest).ok();
    JsonNode m = skopeoRaw(dest, "--cert-dir", ca.toString(), "--creds", USER + ":" + PASSWORD);
    assertThat(m.path("layers").get(0).path("mediaType").asText()).endsWith(".squashfs");
  }

  @Test
  void orasCarriesWholeSifFilesWithSingularityCesMediaTypes() throws Exception {
    Path nativeSif = Launcher.sifReference().resolve("one-group-signed-pgp.sif");
    for (Path f : List.of(nativeSif, small)) {
      String dest =
          "oras://" + plain.host() + "/sifkube/oras-" + (f == small ? "oci" : "native") + ":1";
      sifctl("push", f.toString(), dest).ok();
      JsonNode m =
          skopeoRaw("docker://" + dest.substring("oras://".length()), "--tls-verify=false");
      assertThat(m.path("config").path("mediaType").asText())
          .isEqualTo("application/vnd.sylabs.sif.config.v1+json");
      assertThat(m.path("config").path("digest").asText())
          .isEqualTo("sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a");
      JsonNode layer = m.path("layers").get(0);
      assertThat(layer.path("mediaType").asText())
          .isEqualTo("application/vnd.sylabs.sif.layer.v1.sif");
      assertThat(layer.path("size").asLong()).isEqualTo(Files.size(f));
      assertThat(layer.path("annotations").path("org.opencontainers.image.title").asText())
          .isEqualTo(f.getFileName().toString());
      Path back = shared.resolve("oras-back-" + f.getFileName());
      sifctl("pull", dest, back.toString()).ok();
      assertThat(Files.mismatch(f, back)).as("oras pull of " + f).isEqualTo(-1L);
    }
    // an image is not a SIF artifact, and the message says what to use instead
    sifctl("push", small.toString(), "docker://" + plain.host() + "/sifkube/img:1").ok();
    Launcher.Result wrong =
        sifctl(
            "pull",
            "oras://" + plain.host() + "/sifkube/img:1",
            shared.resolve("w.sif").toString());
    assertThat(wrong.status()).isEqualTo(1);
    assertThat(wrong.err()).contains("not a SIF artifact").contains("use docker://");
    assertThat(shared.resolve("w.sif")).doesNotExist();
    Launcher.Result library =
        sifctl("pull", "library://alpine:latest", shared.resolve("l.sif").toString());
    assertThat(library.status()).isEqualTo(1);
    assertThat(library.err())
        .contains("library:// and shub:// are not supported")
        .contains("docker://");
  }

  @Test
  void aTarLayerPushIsAnOrdinaryImageThatOtherToolsUnpack() throws Exception {
    String dest = "docker://" + plain.host() + "/sifkube/small-tar:v1";
    sifctl("push", "--layer-format", "tar", small.toString(), dest).ok();
    JsonNode m = skopeoRaw(dest, "--tls-verify=false");
    assertThat(m.path("layers")).hasSize(1);
    assertThat(m.path("layers").get(0).path("mediaType").asText())
        .isEqualTo("application/vnd.oci.image.layer.v1.tar+gzip");
    // skopeo and umoci, which know nothing of squashfs, unpack it: the file is there
    Path layout = shared.resolve("tar-layout");
    Launcher.exec(
            List.of(
                "skopeo", "copy", "-q", "--src-tls-verify=false", dest, "oci:" + layout + ":v1"))
        .ok();
    Path bundle = shared.resolve("tar-bundle");
    Launcher.exec(List.of("umoci", "unpack", "--image", layout + ":v1", bundle.toString())).ok();
    assertThat(bundle.resolve("rootfs/hello")).hasContent("world");
    // and the config's diff_id is the tar's: umoci checked it while unpacking; sifctl pulls it
    Path back = shared.resolve("small-tar-back.oci.sif");
    pull(dest, back).ok();
    Launcher.Result bad = sifctl("push", "--layer-format", "zip", small.toString(), dest);
    assertThat(bad.status()).isEqualTo(1);
    assertThat(bad.err()).contains("--layer-format zip: must be squashfs or tar");
  }

  @Test
  void badInputIsOneLineNamingWhatIsWrong() throws Exception {
    Launcher.Result notOci =
        sifctl(
            "push",
            Launcher.sifReference().resolve("one-group.sif").toString(),
            "docker://" + plain.host() + "/x/y:1");
    assertThat(notOci.status()).isEqualTo(1);
    assertThat(notOci.err()).contains("not an OCI-SIF").doesNotContain("\tat ");

    Launcher.Result notDocker = sifctl("push", small.toString(), "oci:/tmp/x");
    assertThat(notDocker.status()).isEqualTo(1);
    assertThat(notDocker.err()).contains("push destinations are docker://");

    Launcher.Result missing =
        sifctl("push", "/nonexistent.sif", "docker://" + plain.host() + "/x/y:1");
    assertThat(missing.status()).isEqualTo(1);
    assertThat(missing.err()).contains("/nonexistent.sif: no such file");
  }
}
