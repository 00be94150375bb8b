package io.sifkube.operator.run;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class PulledImagesTest {

  private static final String DIGEST = "sha256:" + "ab".repeat(32);
  private static final String PINNED = "docker://127.0.0.1:5000/busybox@" + DIGEST;

  @Test
  void onlyAPullPinnedByDigestWithoutCredentialsOrPolicyMayBeSkipped() {
    assertThat(PulledImages.skippable(PINNED, false, false)).isTrue();
    assertThat(PulledImages.skippable("oras://reg.example/sifs/app@" + DIGEST, false, false))
        .as("an oras:// file, which the node fetches again at every pull")
        .isFalse();
    assertThat(PulledImages.skippable(PINNED, true, false)).as("credentials").isFalse();
    assertThat(PulledImages.skippable(PINNED, false, true)).as("a signature policy").isFalse();
    assertThat(PulledImages.skippable("docker://127.0.0.1:5000/busybox:latest", false, false))
        .as("a tag")
        .isFalse();
    assertThat(PulledImages.skippable("docker://reg/busybox@sha256:abc", false, false))
        .as("a short digest")
        .isFalse();
    assertThat(PulledImages.skippable("/srv/images/app.sif", false, false))
        .as("a file, which may change")
        .isFalse();
    assertThat(PulledImages.skippable("oci-archive:/srv/app.tar@" + DIGEST, false, false))
        .isFalse();
  }

  @Test
  void aPullIsRememberedPerNodeUntilForgotten() {
    PulledImages p = new PulledImages();
    assertThat(p.digest("10.0.0.1:7000", PINNED)).isEmpty();
    p.pulled("10.0.0.1:7000", PINNED, DIGEST);
    assertThat(p.digest("10.0.0.1:7000", PINNED)).contains(DIGEST);
    assertThat(p.digest("10.0.0.2:7000", PINNED)).as("another node").isEmpty();
    p.forget("10.0.0.1:7000", PINNED);
    assertThat(p.digest("10.0.0.1:7000", PINNED)).isEmpty();
  }

  @Test
  void aSourcePinnedToAnIndexIsNotRemembered() {
    PulledImages p = new PulledImages();
    String platformManifest = "sha256:" + "cd".repeat(32);
    p.pulled("10.0.0.1:7000", PINNED, platformManifest); // PINNED names an index
    assertThat(p.digest("10.0.0.1:7000", PINNED)).isEmpty();
  }

  @Test
  void theLeastRecentlyUsedPairsGoBeyondTheLimit() {
    PulledImages p = new PulledImages();
    for (int i = 0; i < PulledImages.LIMIT; i++) {
      p.pulled("node-" + i, PINNED, DIGEST);
    }
    assertThat(p.digest("node-0", PINNED)).isPresent(); // now the most recently used
    p.pulled("one-more", PINNED, DIGEST);
    assertThat(p.digest("node-0", PINNED)).isPresent();
    assertThat(p.digest("node-1", PINNED)).as("the least recently used").isEmpty();
    assertThat(p.digest("one-more", PINNED)).isPresent();
  }
}
