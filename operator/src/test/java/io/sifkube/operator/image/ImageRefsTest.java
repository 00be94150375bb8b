package io.sifkube.operator.image;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.sifkube.api.v1alpha1.SifImage;
import io.sifkube.api.v1alpha1.SifImageSpec;
import io.sifkube.api.v1alpha1.SifImageStatus;
import org.junit.jupiter.api.Test;

class ImageRefsTest {

  private static final String D = "sha256:" + "ab".repeat(32);

  @Test
  void dockerSourcesArePinnedToTheDigestWhateverTheyNamed() {
    assertThat(ImageRefs.pinned("docker://127.0.0.1:5000/lab/app:1.2", D))
        .isEqualTo("docker://127.0.0.1:5000/lab/app@" + D);
    assertThat(ImageRefs.pinned("docker://127.0.0.1:5000/lab/app", D))
        .isEqualTo("docker://127.0.0.1:5000/lab/app@" + D);
    assertThat(ImageRefs.pinned("docker://ubuntu:22.04", D)).isEqualTo("docker://ubuntu@" + D);
    assertThat(ImageRefs.pinned("docker://reg:443/app:1@sha256:" + "cd".repeat(32), D))
        .isEqualTo("docker://reg:443/app@" + D);
  }

  @Test
  void otherSchemesAndOddDigestsAreLeftAsWritten() {
    assertThat(ImageRefs.pinned("oci-archive:/data/app.tar", D))
        .isEqualTo("oci-archive:/data/app.tar");
    assertThat(ImageRefs.pinned("docker://reg/app:1", "md5:00")).isEqualTo("docker://reg/app:1");
  }

  @Test
  void onlyADigestResolvedForTheCurrentSpecIsUsed() {
    SifImage img = new SifImage();
    img.setMetadata(new ObjectMetaBuilder().withName("app").withGeneration(2L).build());
    img.setSpec(new SifImageSpec());
    img.getSpec().source = "docker://reg/app:1";
    assertThat(ImageRefs.forRun(img)).isEqualTo("docker://reg/app:1");
    img.setStatus(new SifImageStatus());
    img.getStatus().manifestDigest = D;
    img.getStatus().observedGeneration = 1L; // resolved for an older source
    assertThat(ImageRefs.forRun(img)).isEqualTo("docker://reg/app:1");
    img.getStatus().observedGeneration = 2L;
    assertThat(ImageRefs.forRun(img)).isEqualTo("docker://reg/app@" + D);
  }
}
