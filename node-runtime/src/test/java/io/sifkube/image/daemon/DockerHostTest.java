package io.sifkube.image.daemon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sifkube.image.ImageException;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DockerHostTest {

  @Test
  void unixAndTcpHostsParse() throws Exception {
    DockerHost unix = DockerHost.parse("unix:///run/podman/podman.sock", "--docker-host");
    assertThat(unix.socket()).isEqualTo(Path.of("/run/podman/podman.sock"));
    assertThat(unix.httpBase()).isEqualTo("http://docker");
    DockerHost tcp = DockerHost.parse("tcp://127.0.0.1:2375", "--docker-host");
    assertThat(tcp.socket()).isNull();
    assertThat(tcp.httpBase()).isEqualTo("http://127.0.0.1:2375");
  }

  @Test
  void theFlagBeatsTheEnvironmentWhichBeatsDockersDefault() throws Exception {
    Map<String, String> env = Map.of("DOCKER_HOST", "unix:///env.sock");
    assertThat(DockerHost.choose("unix:///flag.sock", env).socket())
        .isEqualTo(Path.of("/flag.sock"));
    assertThat(DockerHost.choose(null, env).socket()).isEqualTo(Path.of("/env.sock"));
    assertThat(DockerHost.choose(null, Map.of()).uri()).isEqualTo("unix:///var/run/docker.sock");
  }

  @Test
  void whatCannotBeReachedAsAskedIsRefusedNamingTheSetting() {
    assertThatThrownBy(() -> DockerHost.parse("ssh://user@host", "--docker-host"))
        .isInstanceOf(ImageException.class)
        .hasMessage(
            "--docker-host ssh://user@host: only unix:///PATH and tcp://HOST:PORT daemons are"
                + " supported");
    assertThatThrownBy(() -> DockerHost.parse("unix://relative.sock", "DOCKER_HOST"))
        .hasMessageContaining("DOCKER_HOST unix://relative.sock: a Unix socket needs an absolute");
    assertThatThrownBy(() -> DockerHost.parse("tcp://host", "DOCKER_HOST"))
        .hasMessageContaining("not tcp://HOST:PORT");
    assertThatThrownBy(() -> DockerHost.parse("tcp://host:2375/path", "DOCKER_HOST"))
        .hasMessageContaining("not tcp://HOST:PORT");
    assertThatThrownBy(
            () ->
                DockerHost.choose(
                    null, Map.of("DOCKER_HOST", "tcp://h:2376", "DOCKER_TLS_VERIFY", "1")))
        .hasMessageContaining("DOCKER_TLS_VERIFY is set");
  }
}
