package io.sifkube.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The operator and siflet images hack/images.sh builds from Debian packages and this build: two
 * builds give the same digests, the images carry what the chart expects (non-root operator, the
 * runtimes in siflet's), OCI labels and the package list, and they run: sifctl itself executes each
 * image's launcher with --version.
 */
class ImagesIT {

  @TempDir static Path dir;
  private static final ObjectMapper JSON = new ObjectMapper();
  private static String version;

  @BeforeAll
  static void build() throws Exception {
    assertThat(Launcher.isRoot()).as("mmdebstrap builds the base as root").isTrue();
    Launcher.letCrunRun();
    for (String out : List.of("a", "b")) {
      Launcher.Result r =
          Launcher.exec(
              List.of(
                  Launcher.repoRoot().resolve("hack/images.sh").toString(),
                  dir.resolve(out).toString()));
      assertThat(r.status()).as("hack/images.sh: %s", r.err()).isZero();
    }
    version =
        Files.readString(dir.resolve("a/operator/index.json"))
            .replaceAll(".*\"org.opencontainers.image.ref.name\":\"([^\"]+)\".*", "$1")
            .strip();
  }

  private static JsonNode config(String name) throws Exception {
    return JSON.readTree(
        Launcher.exec(
                List.of(
                    "skopeo",
                    "inspect",
                    "--config",
                    "oci:" + dir.resolve("a/" + name) + ":" + version))
            .ok()
            .out());
  }

  /** The text of {@code path} in the image's last layer. */
  private static String fromAppLayer(String name, String path) throws Exception {
    Path layout = dir.resolve("a/" + name);
    JsonNode index = JSON.readTree(Files.readString(layout.resolve("index.json")));
    String manifest = index.at("/manifests/0/digest").asText().substring(7);
    JsonNode m = JSON.readTree(Files.readString(layout.resolve("blobs/sha256/" + manifest)));
    String last = m.at("/layers/1/digest").asText().substring(7);
    return Launcher.exec(
            List.of("tar", "-xzOf", layout.resolve("blobs/sha256/" + last).toString(), "." + path))
        .ok()
        .out();
  }

  @Test
  void twoBuildsGiveTheSameDigests() throws Exception {
    for (String name : List.of("operator", "siflet")) {
      String a = Files.readString(dir.resolve("a/" + name + ".digest")).strip();
      assertThat(a).startsWith("sha256:");
      assertThat(Files.readString(dir.resolve("b/" + name + ".digest")).strip())
          .as(name)
          .isEqualTo(a);
      assertThat(Files.readString(dir.resolve("a/" + name + "/index.json")))
          .isEqualTo(Files.readString(dir.resolve("b/" + name + "/index.json")));
      // the docker archive holds the same image for podman load / docker load
      JsonNode archived =
          JSON.readTree(
              Launcher.exec(
                      List.of(
                          "skopeo",
                          "inspect",
                          "docker-archive:" + dir.resolve("a/" + name + ".tar")))
                  .ok()
                  .out());
      assertThat(archived.get("Layers")).hasSize(2);
    }
  }

  @Test
  void theImagesCarryLabelsThePackageListAndWhatTheChartExpects() throws Exception {
    String revision =
        Launcher.exec(List.of("git", "-C", Launcher.repoRoot().toString(), "rev-parse", "HEAD"))
            .ok()
            .out()
            .strip();
    for (String name : List.of("operator", "siflet")) {
      JsonNode c = config(name).get("config");
      Map<String, Object> labels = JSON.convertValue(c.get("Labels"), Map.class);
      assertThat(labels)
          .containsEntry("org.opencontainers.image.version", version)
          .containsEntry("org.opencontainers.image.revision", revision)
          .containsEntry("org.opencontainers.image.source", "https://github.com/sifkube/sifkube");
      assertThat(fromAppLayer(name, "/usr/share/sifkube/packages.txt"))
          .containsPattern("(?m)^openjdk-17-jre-headless 17\\.");
    }
    JsonNode op = config("operator").get("config");
    assertThat(op.get("User").asText()).as("the chart runs it as 65532").isEqualTo("65532:65532");
    assertThat(op.at("/Entrypoint/0").asText()).isEqualTo("/opt/sifkube/bin/sifkube-operator");
    JsonNode sf = config("siflet").get("config");
    assertThat(sf.at("/Entrypoint/0").asText()).isEqualTo("/opt/sifkube/bin/siflet");
    assertThat(fromAppLayer("siflet", "/usr/share/sifkube/packages.txt"))
        .containsPattern("(?m)^crun ")
        .containsPattern("(?m)^runc ")
        .containsPattern("(?m)^conmon ")
        .containsPattern("(?m)^squashfs-tools ")
        .containsPattern("(?m)^squashfuse ")
        .containsPattern("(?m)^fuse-overlayfs ");
  }

  @Test
  void eachImageRunsItsLauncher() throws Exception {
    String op = "oci:" + dir.resolve("a/operator") + ":" + version;
    assertThat(
            Launcher.sifctl("exec", op, "/opt/sifkube/bin/sifkube-operator", "--version")
                .ok()
                .out()
                .strip())
        .isEqualTo("sifkube-operator " + version);
    String sf = "oci:" + dir.resolve("a/siflet") + ":" + version;
    assertThat(Launcher.sifctl("exec", sf, "/opt/sifkube/bin/siflet", "--version").ok().out())
        .isEqualTo(version + "\n");
    String tools =
        Launcher.sifctl(
                "exec",
                sf,
                "sh",
                "-c",
                "crun --version | head -1; runc --version | head -1; conmon --version | head -1;"
                    + " for t in mksquashfs squashfuse fuse-overlayfs; do command -v $t; done")
            .ok()
            .out();
    assertThat(tools)
        .contains("crun version")
        .contains("runc version")
        .contains("conmon version")
        .contains("/usr/bin/mksquashfs")
        .contains("/usr/bin/squashfuse")
        .contains("/usr/bin/fuse-overlayfs");
  }
}
