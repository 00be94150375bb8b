package io.sifkube.spec;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every spec we generate validates against the OCI runtime-spec JSON schema, read from Debian's
 * golang-github-opencontainers-specs-dev package.
 */
class RuntimeSpecSchemaIT {

  private static final Path SCHEMA =
      Path.of(
          "/usr/share/gocode/src/github.com/opencontainers/runtime-spec/schema/config-schema.json");
  private static final String PASSWD =
      "root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000::/home/app:/bin/sh\n";
  private static JsonSchema schema;

  @BeforeAll
  static void loadSchema() {
    assertThat(SCHEMA)
        .as("OCI runtime-spec schema (apt-get install golang-github-opencontainers-specs-dev)")
        .isRegularFile();
    schema = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V4).getSchema(SCHEMA.toUri());
  }

  static Stream<Arguments> specs() {
    RunOptions plain = RunOptions.of(false, List.of());
    RunOptions.Extras extras =
        RunOptions.Extras.builder()
            .devices(List.of(new RunOptions.Device("/dev/nvidia0", "c", 195, 0)))
            .hostBinaries(List.of("/usr/bin/nvidia-smi"))
            .dns(List.of("10.0.0.1"))
            .resolvConf("/run/x/resolv.conf")
            .home("/h")
            .scratch(List.of("/scratch"))
            .uts(true)
            .keepPrivs(true)
            .build();
    RunOptions everything =
        RunOptions.builder()
            .exec(true)
            .command(List.of("/bin/sh", "-c", "true"))
            .env(List.of("A=1"))
            .cwd("/tmp")
            .user("app")
            .hostname("node")
            .binds(List.of(RunOptions.Bind.parse("/srv:/data:ro")))
            .compat(false)
            .home("/root")
            .hostCwd("/srv")
            .addCaps(List.of("SYS_ADMIN"))
            .dropCaps(List.of("CAP_CHOWN"))
            .memoryBytes(1L << 30)
            .cpus(2.5)
            .pidsLimit(100)
            .network(true)
            .extras(extras)
            .build();
    RunOptions noPrivs = RunOptions.builder().noPrivs(true).build();
    Optional<UserNamespace.SubIdRange> sub =
        Optional.of(new UserNamespace.SubIdRange(1 << 20, 1 << 16));
    RunOptions fakeroot =
        plain.withExtras(
            RunOptions.Extras.builder()
                .fakeroot(true)
                .userNamespace(UserNamespace.plan(1000, 1000, sub, sub, true, false).orElseThrow())
                .build());
    return Stream.of(
        Arguments.of("defaults", plain),
        Arguments.of("unprivileged --fakeroot", fakeroot),
        Arguments.of("every option", everything),
        Arguments.of("no privileges", noPrivs));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("specs")
  void generatedSpecsValidate(String name, RunOptions opts) throws Exception {
    JsonNode image =
        new ObjectMapper()
            .readTree(
                "{\"config\":{\"Cmd\":[\"/bin/sh\"],\"Env\":[\"PATH=/bin\"],\"User\":\"app\",\"WorkingDir\":\"/w\"}}");
    JsonNode spec = RuntimeSpec.build(image, opts, PASSWD, "app:x:1000:\n");
    Set<ValidationMessage> errors = schema.validate(spec);
    assertThat(errors).as("schema errors for %s: %s", name, spec).isEmpty();
  }

  @Test
  void theSchemaRejectsABrokenSpec() throws Exception {
    // Guards against a schema that accepts anything (e.g. unresolved references).
    JsonNode broken =
        new ObjectMapper()
            .readTree(
                "{\"ociVersion\":\"1.0.2\",\"process\":{\"user\":{\"uid\":\"root\"},\"args\":[],\"cwd\":\"relative\"},\"mounts\":[{\"source\":1}]}");
    assertThat(schema.validate(broken)).hasSizeGreaterThanOrEqualTo(2);
  }
}
