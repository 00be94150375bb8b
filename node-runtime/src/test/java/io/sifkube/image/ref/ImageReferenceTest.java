package io.sifkube.image.ref;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class ImageReferenceTest {

  @ParameterizedTest(name = "{0} → {1}")
  @CsvSource({
    "ubuntu, docker.io/library/ubuntu:latest, registry-1.docker.io, ubuntu_latest.oci.sif",
    "ubuntu:22.04, docker.io/library/ubuntu:22.04, registry-1.docker.io, ubuntu_22.04.oci.sif",
    "sylabs/lolcow, docker.io/sylabs/lolcow:latest, registry-1.docker.io, lolcow_latest.oci.sif",
    "index.docker.io/library/busybox:1, docker.io/library/busybox:1, registry-1.docker.io, busybox_1.oci.sif",
    "localhost/app, localhost/app:latest, localhost, app_latest.oci.sif",
    "127.0.0.1:5000/a/b/c:v1, 127.0.0.1:5000/a/b/c:v1, 127.0.0.1:5000, c_v1.oci.sif",
    "ghcr.io/o/r@sha256:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824,"
        + " ghcr.io/o/r@sha256:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824,"
        + " ghcr.io,"
        + " r_sha256.2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824.oci.sif",
  })
  void normalisesAsDockerDoes(String in, String canonical, String apiHost, String sifName) {
    ImageReference r = ImageReference.parse(in);
    assertThat(r.toString()).isEqualTo(canonical);
    assertThat(r.apiHost()).isEqualTo(apiHost);
    assertThat(r.defaultSifName()).isEqualTo(sifName);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "Ubuntu",
        "ubuntu:bad tag",
        "ubuntu@sha256:abc",
        "ubuntu@md5:2cf24dba5fb0a30e26e83b2ac5b9e29e",
        "a//b",
        "../etc",
        "",
        "host.io/",
        "ubuntu:"
      })
  void rejectsMalformedReferencesNamingThem(String in) {
    assertThatThrownBy(() -> ImageReference.parse(in))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("invalid image reference \"" + in + "\"");
  }

  @ParameterizedTest(name = "{0} loopback={1}")
  @CsvSource({
    "127.0.0.1:5000/x, true",
    "localhost:8080/x, true",
    "[::1]:5000/x, true",
    "registry.example.com/x, false",
    "ubuntu, false"
  })
  void knowsLoopbackRegistries(String in, boolean loopback) {
    assertThat(ImageReference.parse(in).isLoopback()).isEqualTo(loopback);
  }
}
