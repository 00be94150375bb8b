package io.sifkube.image.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sifkube.image.ImageException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** docker's config.json, each way it can hold credentials, through the one reader. */
class DockerConfigTest {

  @TempDir Path tmp;

  static String b64(String s) {
    return java.util.Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
  }

  /** A helper that answers from a table, and records who asked. */
  static final class FakeHelpers implements DockerConfig.Helpers {
    final List<String> asked = new ArrayList<>();

    @Override
    public Optional<Credentials.Login> get(String helper, String server) {
      asked.add(helper + " " + server);
      return server.equals("unknown.example")
          ? Optional.empty()
          : Optional.of(new Credentials.Login(helper + "-user", "from-" + helper, ""));
    }
  }

  static Stream<Arguments> forms() {
    return Stream.of(
        // config, host asked, expected user:password|identity, or "-" for none
        Arguments.of(
            "auth, the key kubectl create secret docker-registry writes for Docker Hub",
            "{\"auths\":{\"https://index.docker.io/v1/\":{\"auth\":\"" + b64("bob:pw") + "\"}}}",
            "docker.io",
            "bob:pw|"),
        Arguments.of(
            "Docker Hub by another of its names",
            "{\"auths\":{\"https://index.docker.io/v1/\":{\"auth\":\"" + b64("bob:pw") + "\"}}}",
            "registry-1.docker.io",
            "bob:pw|"),
        Arguments.of(
            "docker.io as the key",
            "{\"auths\":{\"docker.io\":{\"auth\":\"" + b64("ann:x") + "\"}}}",
            "index.docker.io",
            "ann:x|"),
        Arguments.of(
            "username and password fields",
            "{\"auths\":{\"reg.example:5000\":{\"username\":\"u\",\"password\":\"p:w\"}}}",
            "reg.example:5000",
            "u:p:w|"),
        Arguments.of(
            "a password holding a colon, in auth",
            "{\"auths\":{\"reg.example\":{\"auth\":\"" + b64("u:a:b") + "\"}}}",
            "reg.example",
            "u:a:b|"),
        Arguments.of(
            "an identity token",
            "{\"auths\":{\"reg.example\":{\"identitytoken\":\"refresh-me\"}}}",
            "reg.example",
            ":|refresh-me"),
        Arguments.of(
            "another registry's entry is not used",
            "{\"auths\":{\"reg.example\":{\"auth\":\"" + b64("u:p") + "\"}}}",
            "evil.example",
            "-"),
        Arguments.of(
            "a port is part of the host",
            "{\"auths\":{\"reg.example:5000\":{\"auth\":\"" + b64("u:p") + "\"}}}",
            "reg.example:5001",
            "-"),
        Arguments.of(
            "an entry with only an email is no credential",
            "{\"auths\":{\"reg.example\":{\"email\":\"a@b\"}}}",
            "reg.example",
            "-"),
        Arguments.of(
            "credHelpers for the host before its auths entry",
            "{\"auths\":{\"reg.example\":{\"auth\":\""
                + b64("u:p")
                + "\"}},"
                + "\"credHelpers\":{\"reg.example\":\"ecr-login\"}}",
            "reg.example",
            "ecr-login-user:from-ecr-login|"),
        Arguments.of(
            "credsStore when nothing else has the host",
            "{\"auths\":{\"reg.example\":{\"auth\":\""
                + b64("u:p")
                + "\"}},\"credsStore\":\"pass\"}",
            "other.example",
            "pass-user:from-pass|"),
        Arguments.of(
            "auths before credsStore",
            "{\"auths\":{\"reg.example\":{\"auth\":\""
                + b64("u:p")
                + "\"}},\"credsStore\":\"pass\"}",
            "reg.example",
            "u:p|"),
        Arguments.of(
            "a helper that has nothing for the host",
            "{\"credsStore\":\"pass\"}",
            "unknown.example",
            "-"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("forms")
  void credentialsByForm(String what, String json, String host, String expected) throws Exception {
    DockerConfig c = DockerConfig.parse(json.getBytes(StandardCharsets.UTF_8), "cfg");
    Optional<Credentials.Login> l = c.loginFor(host, new FakeHelpers());
    if (expected.equals("-")) {
      assertThat(l).isEmpty();
    } else {
      assertThat(l).isPresent();
      assertThat(l.get().user() + ":" + l.get().password() + "|" + l.get().identityToken())
          .isEqualTo(expected);
    }
  }

  @Test
  void dockerHubHelpersAreAskedForDockersServerUrl() throws Exception {
    FakeHelpers h = new FakeHelpers();
    DockerConfig.parse("{\"credsStore\":\"desktop\"}".getBytes(StandardCharsets.UTF_8), "cfg")
        .loginFor("docker.io", h);
    assertThat(h.asked).containsExactly("desktop https://index.docker.io/v1/");
  }

  @Test
  void aConfigSentToSifletNeverRunsAHelper() throws Exception {
    DockerConfig c =
        DockerConfig.parse(
            "{\"credHelpers\":{\"reg.example\":\"evil\"}}".getBytes(StandardCharsets.UTF_8),
            "auth.docker_config");
    assertThatThrownBy(() -> c.loginFor("reg.example", DockerConfig.NO_HELPERS))
        .hasMessage(
            "credential helper docker-credential-evil named for reg.example: helpers are not run"
                + " for a configuration sent to siflet");
  }

  @Test
  void badConfigsAreNamedWithTheKey() {
    assertThatThrownBy(
            () -> DockerConfig.parse("{\"auths\":{\"h\":{\"auth\":\"%%%\"}}}".getBytes(), "f.json"))
        .isInstanceOf(ImageException.class)
        .hasMessage("f.json: auths.h.auth is not valid base64");
    assertThatThrownBy(
            () ->
                DockerConfig.parse(
                    ("{\"auths\":{\"h\":{\"auth\":\"" + b64("nocolon") + "\"}}}").getBytes(),
                    "f.json"))
        .hasMessage("f.json: auths.h.auth is not user:password");
    assertThatThrownBy(() -> DockerConfig.parse("{\"credsStore\":\"../x\"}".getBytes(), "f.json"))
        .hasMessage("f.json: credsStore: \"../x\" is not a helper name");
    assertThatThrownBy(() -> DockerConfig.parse("[]".getBytes(), "f.json"))
        .hasMessage("f.json: not a JSON object");
  }

  /** docker's helper protocol with a real program: the server on stdin, JSON on stdout. */
  @Test
  void helpersOnPathAreRunAsDockerRunsThem() throws Exception {
    Path bin = Files.createDirectories(tmp.resolve("bin"));
    Path helper = bin.resolve("docker-credential-test");
    Files.writeString(
        helper,
        "#!/bin/sh\n"
            + "[ \"$1\" = get ] || exit 3\n"
            + "read -r server\n"
            + "case \"$server\" in\n"
            + "  reg.example) echo '{\"ServerURL\":\"reg.example\",\"Username\":\"hu\",\"Secret\":\"hs\"}';;\n"
            + "  tok.example) echo '{\"ServerURL\":\"tok.example\",\"Username\":\"<token>\",\"Secret\":\"idt\"}';;\n"
            + "  broken.example) echo 'helper exploded' >&2; exit 1;;\n"
            + "  *) echo 'credentials not found in native keychain'; exit 1;;\n"
            + "esac\n");
    Files.setPosixFilePermissions(helper, PosixFilePermissions.fromString("rwxr-xr-x"));
    DockerConfig c =
        DockerConfig.parse("{\"credsStore\":\"test\"}".getBytes(StandardCharsets.UTF_8), "cfg");
    DockerConfig.Helpers run = DockerConfig.onPath("/nonexistent:" + bin);
    assertThat(c.loginFor("reg.example", run)).contains(new Credentials.Login("hu", "hs", ""));
    assertThat(c.loginFor("tok.example", run)).contains(new Credentials.Login("", "", "idt"));
    assertThat(c.loginFor("none.example", run)).isEmpty();
    assertThatThrownBy(() -> c.loginFor("broken.example", run))
        .hasMessage("docker-credential-test get broken.example failed: helper exploded");
    DockerConfig missing =
        DockerConfig.parse("{\"credsStore\":\"gone\"}".getBytes(StandardCharsets.UTF_8), "cfg");
    assertThatThrownBy(() -> missing.loginFor("reg.example", run))
        .hasMessage("credential helper docker-credential-gone (for reg.example) is not on PATH");
  }
}
