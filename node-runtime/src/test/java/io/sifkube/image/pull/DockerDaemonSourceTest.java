package io.sifkube.image.pull;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sifkube.image.ImageException;
import io.sifkube.image.daemon.DockerHost;
import io.sifkube.image.registry.Credentials;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class DockerDaemonSourceTest {

  private static final Path WORK = Path.of("/nonexistent");

  @Test
  void imagesWithoutTagAreLatestAndIdsAndDigestsStayAsGiven() throws Exception {
    DockerHost host = DockerHost.parse("unix:///d.sock", "t");
    assertThat(DockerDaemonSource.parse("busybox", host, WORK).name())
        .isEqualTo("docker-daemon:busybox:latest");
    assertThat(DockerDaemonSource.parse("//localhost:5000/a/b", host, WORK).name())
        .isEqualTo("docker-daemon:localhost:5000/a/b:latest");
    assertThat(DockerDaemonSource.parse("a/b:v2", host, WORK).name())
        .isEqualTo("docker-daemon:a/b:v2");
    String id = "sha256:" + "ab".repeat(32);
    assertThat(DockerDaemonSource.parse(id, host, WORK).name()).isEqualTo("docker-daemon:" + id);
    assertThat(DockerDaemonSource.parse("a/b@" + id, host, WORK).name())
        .isEqualTo("docker-daemon:a/b@" + id);
    assertThat(DockerDaemonSource.parse("a/b:v2", host, WORK).defaultSifName())
        .isEqualTo("b_v2.oci.sif");
  }

  @Test
  void theClusterNeverReadsANodesDaemon() {
    assertThatThrownBy(
            () -> ImageSources.open("docker-daemon:busybox", Credentials.none(), false, WORK))
        .isInstanceOfSatisfying(
            ImageException.class,
            e -> assertThat(e.reason()).isEqualTo(ImageException.Reason.UNSUPPORTED))
        .hasMessageContaining("a node's Docker daemon is not an image source on the cluster");
  }
}
