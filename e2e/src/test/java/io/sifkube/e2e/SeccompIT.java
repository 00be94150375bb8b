package io.sifkube.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The seccomp filter of {@code sifctl} containers with real crun and runc: the default profile,
 * {@code --security seccomp:unconfined} / {@code --no-seccomp}, a capability that unlocks calls, a
 * profile of the user's, and what the runtime was given. A static probe (e2e/src/test/c) makes the
 * calls and prints the errno, so a seccomp refusal (EPERM) is told from the kernel's own answer.
 */
class SeccompIT {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String PROBES = "unshare keyctl bpf mount getpid";

  @TempDir static Path shared;
  private static Path image;
  private static Path probe;

  @TempDir Path tmp;

  @BeforeAll
  static void build() throws Exception {
    assertThat(Launcher.isRoot()).as("SeccompIT compares root's runs").isTrue();
    Launcher.letCrunRun();
    image = RunIT.busyboxImage(shared);
    probe = shared.resolve("probe");
    Launcher.exec(
            List.of(
                "gcc",
                "-static",
                "-O1",
                "-o",
                probe.toString(),
                Launcher.repoRoot().resolve("e2e/src/test/c/seccomp-probe.c").toString()))
        .ok();
  }

  private static Launcher.Result probe(String runtime, List<String> options, String probes)
      throws Exception {
    List<String> args = new ArrayList<>(List.of("exec", "--runtime", runtime, "--user", "0"));
    args.addAll(options);
    args.addAll(List.of("-B", probe + ":/probe:ro", image.toString(), "/probe"));
    args.addAll(List.of(probes.split(" ")));
    return Launcher.sifctl(args.toArray(String[]::new));
  }

  @ParameterizedTest
  @ValueSource(strings = {"crun", "runc"})
  void theDefaultProfileRefusesWithEpermWhatUnconfinedLetsTheKernelDecide(String runtime)
      throws Exception {
    assertThat(probe(runtime, List.of(), PROBES).ok().out())
        .isEqualTo("unshare=EPERM\nkeyctl=EPERM\nbpf=EPERM\nmount=EPERM\ngetpid=OK\n");
    // Unconfined, the kernel answers: a user namespace and the keyring need no capability, bpf
    // rejects the unknown command, and mount still needs CAP_SYS_ADMIN, which root lacks here.
    String unconfined =
        probe(runtime, List.of("--security", "seccomp:unconfined"), PROBES).ok().out();
    assertThat(unconfined)
        .matches("unshare=OK\nkeyctl=(OK|ENOKEY)\nbpf=EINVAL\nmount=EPERM\ngetpid=OK\n");
    assertThat(probe(runtime, List.of("--no-seccomp"), PROBES).ok().out()).isEqualTo(unconfined);
    // With the capability and no filter, mount works too.
    assertThat(
            probe(runtime, List.of("--no-seccomp", "--add-caps", "CAP_SYS_ADMIN"), "mount")
                .ok()
                .out())
        .isEqualTo("mount=OK\n");
  }

  @ParameterizedTest
  @ValueSource(strings = {"crun", "runc"})
  void capSysAdminUnlocksTheMountCallsOfTheDefaultProfile(String runtime) throws Exception {
    assertThat(
            probe(runtime, List.of("--add-caps", "CAP_SYS_ADMIN"), "mount unshare keyctl")
                .ok()
                .out())
        .as("the keyring stays refused: it is not namespaced")
        .isEqualTo("mount=OK\nunshare=OK\nkeyctl=EPERM\n");
  }

  @ParameterizedTest
  @ValueSource(strings = {"crun", "runc"})
  void aProfileOfTheUsersThatBlocksMkdirMakesMkdirFail(String runtime) throws Exception {
    // Docker's format: an archMap, and a rule that only a capability the run lacks includes
    Path profile =
        Files.writeString(
            tmp.resolve("no-mkdir.json"),
            "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"archMap\":[{\"architecture\":"
                + "\"SCMP_ARCH_X86_64\",\"subArchitectures\":[\"SCMP_ARCH_X86\"]}],"
                + "\"syscalls\":[{\"names\":[\"mkdir\",\"mkdirat\"],\"action\":\"SCMP_ACT_ERRNO\","
                + "\"errnoRet\":1},{\"names\":[\"getpid\"],\"action\":\"SCMP_ACT_ERRNO\","
                + "\"includes\":{\"caps\":[\"CAP_SYS_MODULE\"]}}]}");
    assertThat(
            probe(runtime, List.of("--security", "seccomp:" + profile), "mkdir getpid keyctl")
                .ok()
                .out())
        .matches("mkdir=EPERM\ngetpid=OK\nkeyctl=(OK|ENOKEY)\n");
  }

  @Test
  void badProfilesAndOtherSecurityKindsAreOneLineNamingThem() throws Exception {
    Path bad =
        Files.writeString(
            tmp.resolve("bad.json"),
            "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"mkdir\"],"
                + "\"action\":\"SCMP_ACT_DENY\"}]}");
    Launcher.Result r = probe("runc", List.of("--security", "seccomp:" + bad), "getpid");
    assertThat(r.status()).isNotZero();
    assertThat(r.err().strip())
        .startsWith("sifctl: error: --security seccomp:" + bad + ": syscalls[0].action")
        .doesNotContain("\n");
    Launcher.Result missing =
        probe("runc", List.of("--security", "seccomp:" + tmp.resolve("none.json")), "getpid");
    assertThat(missing.err()).contains("cannot read " + tmp.resolve("none.json"));
    Launcher.Result apparmor = probe("runc", List.of("--security", "apparmor:x"), "getpid");
    assertThat(apparmor.err()).contains("--security apparmor:x: only seccomp:");
  }

  @Test
  void theRuntimeIsGivenTheProfileAndTheContainerRunsUnderIt() throws Exception {
    Process p =
        new ProcessBuilder(
                Launcher.repoRoot().resolve("bin/sifctl").toString(),
                "exec",
                "--runtime",
                "crun",
                image.toString(),
                "sh",
                "-c",
                "grep Seccomp: /proc/self/status; sleep 5")
            .redirectErrorStream(true)
            .start();
    BufferedReader out =
        new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
    assertThat(out.readLine()).isEqualTo("Seccomp:\t2");
    String id =
        Launcher.exec(List.of("crun", "--root", "/run/sifkube/runtime/crun", "list", "-q"))
            .ok()
            .out()
            .lines()
            .filter(l -> !l.isBlank())
            .findFirst()
            .orElseThrow();
    JsonNode state =
        JSON.readTree(
            Launcher.exec(List.of("crun", "--root", "/run/sifkube/runtime/crun", "state", id))
                .ok()
                .out());
    // The bundle lives in the runtime's own mount namespace: read it through its root.
    Path config =
        Path.of("/proc/" + p.pid() + "/root" + state.get("bundle").asText() + "/config.json");
    JsonNode bundle = JSON.readTree(Files.readString(config));
    JsonNode seccomp = bundle.at("/linux/seccomp");
    // crun gets the program compiled once (run.oci.seccomp_bpf_data), not 364 rules to compile
    byte[] bpf =
        java.util.Base64.getDecoder()
            .decode(bundle.at("/annotations/run.oci.seccomp_bpf_data").asText());
    assertThat(bpf.length).isPositive();
    assertThat(bpf.length % 8).as("whole sock_filter instructions").isZero();
    assertThat(seccomp.get("defaultAction").asText()).isEqualTo("SCMP_ACT_ERRNO");
    assertThat(seccomp.get("defaultErrnoRet").asInt()).isEqualTo(1);
    assertThat(seccomp.at("/syscalls/0/names").toString())
        .contains("\"read\"")
        .doesNotContain("\"mount\"");
    long containerPid = state.get("pid").asLong();
    assertThat(Files.readString(Path.of("/proc/" + containerPid + "/status")))
        .contains("Seccomp:\t2");
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).isZero();
  }
}
