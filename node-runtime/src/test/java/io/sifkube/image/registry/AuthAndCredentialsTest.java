package io.sifkube.image.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sifkube.image.ImageException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AuthAndCredentialsTest {

  @TempDir Path tmp;

  @Test
  void parsesBearerChallenges() {
    var c =
        AuthChallenge.parse(
                "Bearer realm=\"https://auth.docker.io/token\",service=\"registry.docker.io\","
                    + "scope=\"repository:library/ubuntu:pull\"")
            .orElseThrow();
    assertThat(c.scheme()).isEqualTo("bearer");
    assertThat(c.param("realm")).isEqualTo("https://auth.docker.io/token");
    assertThat(c.param("service")).isEqualTo("registry.docker.io");
    assertThat(c.param("scope")).isEqualTo("repository:library/ubuntu:pull");
    assertThat(AuthChallenge.parse("Basic realm=\"Registry Realm\"").orElseThrow().param("realm"))
        .isEqualTo("Registry Realm");
    assertThat(AuthChallenge.parse(null)).isEmpty();
  }

  @Test
  void loadsDockerConfigAuthsAndScopesThemToTheirHost() throws Exception {
    Path f = tmp.resolve("config.json");
    Files.writeString(
        f,
        "{\"auths\":{\"https://index.docker.io/v1/\":{\"auth\":\"dXNlcjpwYXNz\"},"
            + "\"127.0.0.1:5000\":{\"auth\":\"YTpiOmM=\"}}}");
    Credentials c = Credentials.load(f);
    assertThat(c.forHost("docker.io")).map(Credentials.Login::user).contains("user");
    assertThat(c.forHost("registry-1.docker.io")).map(Credentials.Login::password).contains("pass");
    // The password may itself contain a colon.
    assertThat(c.forHost("127.0.0.1:5000")).map(Credentials.Login::password).contains("b:c");
    assertThat(c.forHost("127.0.0.1:5001")).isEmpty();
    assertThat(c.forHost("evil.example.com")).isEmpty();
    assertThat(c.forHost("127.0.0.1:5000").orElseThrow().toString()).doesNotContain("b:c");
  }

  @Test
  void badAuthfilesAreNamed() throws Exception {
    Path f = tmp.resolve("bad.json");
    Files.writeString(f, "{\"auths\":{\"h\":{\"auth\":\"%%%\"}}}");
    assertThatThrownBy(() -> Credentials.load(f))
        .isInstanceOf(ImageException.class)
        .hasMessage(f + ": auths.h.auth is not valid base64");
    // A login for one host also serves Docker Hub by all its names, and nothing else.
    Credentials one = Credentials.of("docker.io", new Credentials.Login("u", "p"));
    assertThat(one.forHost("index.docker.io")).isPresent();
    assertThat(one.forHost("quay.io")).isEmpty();
  }

  @Test
  void backoffDoublesAndHonoursRetryAfterUpToTheCap() {
    RetryPolicy p = new RetryPolicy(5, Duration.ofMillis(100), Duration.ofSeconds(2));
    assertThat(p.backoff(1, null)).isEqualTo(Duration.ofMillis(100));
    assertThat(p.backoff(3, null)).isEqualTo(Duration.ofMillis(400));
    assertThat(p.backoff(9, null)).isEqualTo(Duration.ofSeconds(2));
    assertThat(p.backoff(1, Duration.ofSeconds(1))).isEqualTo(Duration.ofSeconds(1));
    assertThat(p.backoff(1, Duration.ofSeconds(60))).isEqualTo(Duration.ofSeconds(2));
  }
}
