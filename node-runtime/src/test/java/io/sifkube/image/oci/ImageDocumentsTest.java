package io.sifkube.image.oci;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ImageDocumentsTest {

  private static final String D1 =
      "sha256:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824";
  private static final String D2 =
      "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a";

  private static byte[] b(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static final String MANIFEST =
      "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
          + "\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"size\":2,\"digest\":\""
          + D2
          + "\"},"
          + "\"layers\":[{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\",\"size\":5,\"digest\":\""
          + D1
          + "\"}]}";

  @Test
  void parsesAManifest() {
    String type =
        ImageDocuments.mediaTypeOf(b(MANIFEST), "application/vnd.oci.image.manifest.v1+json");
    var m = ImageDocuments.manifest(b(MANIFEST), type);
    assertThat(m.config().digest().toString()).isEqualTo(D2);
    assertThat(m.layers()).extracting(Descriptor::size).containsExactly(5L);
  }

  @Test
  void refusesAmbiguousOrContradictoryDocuments() {
    String both = "{\"schemaVersion\":2,\"manifests\":[],\"layers\":[],\"config\":{}}";
    assertThatThrownBy(() -> ImageDocuments.mediaTypeOf(b(both), null))
        .hasMessageContaining("ambiguous");
    assertThatThrownBy(() -> ImageDocuments.mediaTypeOf(b(MANIFEST), MediaTypes.DOCKER_MANIFEST))
        .hasMessageContaining("but was served as");
    String dup = "{\"schemaVersion\":2,\"schemaVersion\":2,\"layers\":[]}";
    assertThatThrownBy(() -> ImageDocuments.mediaTypeOf(b(dup), null))
        .hasMessageContaining("not valid JSON");
    String v1 = "{\"schemaVersion\":1,\"layers\":[]}";
    assertThatThrownBy(() -> ImageDocuments.mediaTypeOf(b(v1), null))
        .hasMessageContaining("schemaVersion");
  }

  @Test
  void refusesBadDigestsInDescriptors() {
    String bad = MANIFEST.replace(D1, "sha256:../../etc/passwd");
    assertThatThrownBy(() -> ImageDocuments.manifest(b(bad), MediaTypes.OCI_MANIFEST))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("manifest layer 0 has an invalid digest");
  }

  @Test
  void selectsThePlatformFromAnIndex() {
    String index =
        "{\"schemaVersion\":2,\"manifests\":["
            + "{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"size\":1,\"digest\":\""
            + D1
            + "\","
            + "\"platform\":{\"os\":\"linux\",\"architecture\":\"arm64\",\"variant\":\"v8\"}},"
            + "{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"size\":1,\"digest\":\""
            + D2
            + "\","
            + "\"platform\":{\"os\":\"linux\",\"architecture\":\"amd64\"}}]}";
    var idx = ImageDocuments.index(b(index), ImageDocuments.mediaTypeOf(b(index), null));
    assertThat(ImageDocuments.select(idx, Platform.parse("linux/amd64")).digest().toString())
        .isEqualTo(D2);
    assertThat(ImageDocuments.select(idx, Platform.parse("linux/arm64")).digest().toString())
        .isEqualTo(D1);
    assertThatThrownBy(() -> ImageDocuments.select(idx, Platform.parse("linux/arm64/v7")))
        .hasMessageContaining("no image for platform linux/arm64/v7");
    assertThatThrownBy(() -> Platform.parse("amd64")).hasMessageContaining("expected OS/ARCH");
  }
}
