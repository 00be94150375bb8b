package io.sifkube.spec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class RuntimeSpecTest {

  private static final String PASSWD =
      "root:x:0:0:root:/root:/bin/sh\nalice:x:1000:100:Alice:/home/alice:/bin/sh\n";
  private static final String GROUP = "root:x:0:\nusers:x:100:\nstaff:x:50:alice\n";

  private static JsonNode image(String config) throws Exception {
    return new ObjectMapper().readTree("{\"config\":" + config + "}");
  }

  private static List<String> texts(JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(n -> out.add(n.asText()));
    return out;
  }

  private static RunOptions run(List<String> args) {
    return RunOptions.of(false, args);
  }

  @Test
  void runUsesEntrypointPlusCmdAndArgumentsReplaceCmd() throws Exception {
    JsonNode img = image("{\"Entrypoint\":[\"/bin/tini\",\"--\"],\"Cmd\":[\"sh\"]}");
    assertThat(
            texts(
                RuntimeSpec.build(img, run(List.of()), PASSWD, GROUP).path("process").path("args")))
        .containsExactly("/bin/tini", "--", "sh");
    assertThat(
            texts(
                RuntimeSpec.build(img, run(List.of("ls", "-l")), PASSWD, GROUP)
                    .path("process")
                    .path("args")))
        .containsExactly("/bin/tini", "--", "ls", "-l");
    assertThat(
            texts(
                RuntimeSpec.build(img, RunOptions.of(true, List.of("date")), PASSWD, GROUP)
                    .path("process")
                    .path("args")))
        .containsExactly("date");
  }

  @Test
  void ranksJoinTheirSandboxAndShareItsShm() throws Exception {
    JsonNode img = image("{\"Cmd\":[\"x\"]}");
    RunOptions o = RunOptions.builder().build();
    o =
        o.withExtras(
            o.extras().toBuilder()
                .sandbox(new RunOptions.Sandbox("/proc/9/ns/pid", "/proc/9/ns/ipc", "/run/x/shm"))
                .build());
    JsonNode spec = RuntimeSpec.build(img, o, PASSWD, GROUP);
    List<String> joined = new java.util.ArrayList<>();
    for (JsonNode ns : spec.path("linux").path("namespaces")) {
      joined.add(ns.path("type").asText() + "=" + ns.path("path").asText("new"));
    }
    assertThat(joined).containsExactly("pid=/proc/9/ns/pid", "ipc=/proc/9/ns/ipc", "mount=new");
    JsonNode shm = null;
    for (JsonNode m : spec.path("mounts")) {
      if (m.path("destination").asText().equals("/dev/shm")) {
        shm = m;
      }
    }
    assertThat(shm.path("source").asText()).isEqualTo("/run/x/shm");
    assertThat(texts(shm.path("options"))).contains("rbind", "rw");
    // without a sandbox: new namespaces and a tmpfs of the container's own
    JsonNode alone = RuntimeSpec.build(img, RunOptions.builder().build(), PASSWD, GROUP);
    assertThat(alone.path("linux").path("namespaces").get(0).has("path")).isFalse();
  }

  @Test
  void anImageWithNoCommandIsAClearError() throws Exception {
    assertThatThrownBy(() -> RuntimeSpec.build(image("{}"), run(List.of()), PASSWD, GROUP))
        .hasMessage("the image has no ENTRYPOINT or CMD and no command was given");
  }

  @Test
  void envComesFromTheImageThenTheOptions() throws Exception {
    JsonNode img = image("{\"Cmd\":[\"x\"],\"Env\":[\"PATH=/opt/bin:/bin\",\"A=1\",\"B=2\"]}");
    RunOptions o = RunOptions.builder().env(List.of("B=3", "C=x=y")).build();
    assertThat(texts(RuntimeSpec.build(img, o, PASSWD, GROUP).path("process").path("env")))
        .containsExactly("PATH=/opt/bin:/bin", "A=1", "B=3", "HOME=/root", "C=x=y");
  }

  @Test
  void resolvesUsersAndGroupsFromTheImage() {
    assertThat(ImageUsers.resolve("alice", PASSWD, GROUP))
        .isEqualTo(new ImageUsers.User(1000, 100, "/home/alice", List.of(50L)));
    assertThat(ImageUsers.resolve("1000:50", PASSWD, GROUP).gid()).isEqualTo(50);
    assertThat(ImageUsers.resolve("alice:staff", PASSWD, GROUP).gid()).isEqualTo(50);
    assertThat(ImageUsers.resolve("4242", PASSWD, GROUP))
        .isEqualTo(new ImageUsers.User(4242, 0, "/", List.of()));
    assertThat(ImageUsers.resolve("", "", "").uid()).isZero();
    assertThatThrownBy(() -> ImageUsers.resolve("bob", PASSWD, GROUP))
        .hasMessage("user \"bob\" is not in the image's /etc/passwd");
    assertThatThrownBy(() -> ImageUsers.resolve("alice:wheel", PASSWD, GROUP))
        .hasMessage("group \"wheel\" is not in the image's /etc/group");
    assertThatThrownBy(() -> ImageUsers.resolve("99999999999", PASSWD, GROUP))
        .hasMessageContaining("not a valid id");
  }

  @Test
  void theImageUserRunsWithItsHomeAndOnlyBoundingCapabilities() throws Exception {
    JsonNode img = image("{\"Cmd\":[\"x\"],\"User\":\"alice\",\"WorkingDir\":\"/work\"}");
    JsonNode p = RuntimeSpec.build(img, run(List.of()), PASSWD, GROUP).path("process");
    assertThat(p.path("user").path("uid").asLong()).isEqualTo(1000);
    assertThat(p.path("cwd").asText()).isEqualTo("/work");
    assertThat(texts(p.path("env"))).contains("HOME=/home/alice");
    assertThat(texts(p.path("capabilities").path("bounding"))).contains("CAP_CHOWN");
    assertThat(p.path("capabilities").path("effective")).isEmpty();
    assertThat(p.path("capabilities").path("inheritable")).isEmpty();
  }

  @Test
  void capabilitiesFollowNoPrivsAddAndDrop() throws Exception {
    JsonNode img = image("{\"Cmd\":[\"x\"]}");
    RunOptions drop =
        RunOptions.builder().addCaps(List.of("sys_admin")).dropCaps(List.of("CAP_CHOWN")).build();
    JsonNode caps =
        RuntimeSpec.build(img, drop, PASSWD, GROUP).path("process").path("capabilities");
    assertThat(texts(caps.path("effective"))).contains("CAP_SYS_ADMIN").doesNotContain("CAP_CHOWN");
    RunOptions none = RunOptions.builder().noPrivs(true).build();
    JsonNode p = RuntimeSpec.build(img, none, PASSWD, GROUP).path("process");
    assertThat(p.path("capabilities").path("bounding")).isEmpty();
    assertThat(p.path("noNewPrivileges").asBoolean()).isTrue();
    assertThatThrownBy(() -> Capabilities.normalize("CAP_FLY"))
        .hasMessage("unknown capability \"CAP_FLY\"");
  }

  @Test
  void limitsNamespacesAndMounts() throws Exception {
    RunOptions o =
        RunOptions.builder()
            .hostname("node1")
            .binds(List.of(RunOptions.Bind.parse("/data:/mnt/data:ro")))
            .compat(false)
            .home("/root")
            .hostCwd("/srv")
            .memoryBytes(RuntimeSpec.parseSize("512m"))
            .cpus(1.5)
            .pidsLimit(64)
            .network(true)
            .build();
    JsonNode s = RuntimeSpec.build(image("{\"Cmd\":[\"x\"]}"), o, PASSWD, GROUP);
    assertThat(s.path("hostname").asText()).isEqualTo("node1");
    assertThat(s.path("root").path("readonly").asBoolean()).isTrue();
    assertThat(s.path("process").path("cwd").asText()).isEqualTo("/srv");
    JsonNode res = s.path("linux").path("resources");
    assertThat(res.path("memory").path("limit").asLong()).isEqualTo(512L << 20);
    assertThat(res.path("cpu").path("quota").asLong()).isEqualTo(150_000);
    assertThat(res.path("pids").path("limit").asLong()).isEqualTo(64);
    List<String> ns = new ArrayList<>();
    s.path("linux").path("namespaces").forEach(n -> ns.add(n.path("type").asText()));
    assertThat(ns).containsExactly("pid", "ipc", "mount", "uts", "network");
    List<String> dests = new ArrayList<>();
    s.path("mounts")
        .forEach(
            m ->
                dests.add(
                    m.path("destination").asText()
                        + (m.path("options").toString().contains("\"ro\"") ? ":ro" : "")));
    assertThat(dests)
        .contains("/dev", "/tmp", "/root", "/srv", "/mnt/data:ro", "/etc/resolv.conf:ro");
  }

  @Test
  void badOptionsAreNamed() {
    assertThatThrownBy(() -> RuntimeSpec.parseSize("12q"))
        .hasMessage("invalid size \"12q\" (e.g. 512m, 2g)");
    assertThatThrownBy(() -> RunOptions.Bind.parse("/a:rel"))
        .hasMessage("bind destination \"rel\" is not an absolute path");
    assertThatThrownBy(() -> RunOptions.Bind.parse("/a:/b:rx"))
        .hasMessageContaining("invalid bind option \"rx\"");
    assertThat(RunOptions.Bind.parse("/a")).isEqualTo(new RunOptions.Bind("/a", "/a", false));
  }

  private static List<String> mountsOf(JsonNode spec) {
    List<String> out = new ArrayList<>();
    spec.path("mounts")
        .forEach(
            m ->
                out.add(
                    m.path("destination").asText()
                        + " "
                        + m.path("type").asText()
                        + " "
                        + m.path("source").asText()));
    return out;
  }

  @Test
  void compatGivesAnEmptyPrivateHomeAndHomeOptionsChangeIt() throws Exception {
    JsonNode img = image("{\"Cmd\":[\"x\"],\"User\":\"alice\"}");
    JsonNode def = RuntimeSpec.build(img, run(List.of()), PASSWD, GROUP);
    assertThat(mountsOf(def)).contains("/home/alice tmpfs tmpfs");
    assertThat(def.path("mounts").toString()).contains("uid=1000,gid=100");

    RunOptions.Extras tmp =
        RunOptions.Extras.builder()
            .home("/scratchhome")
            .scratch(List.of("/scratch"))
            .uts(true)
            .build();
    JsonNode t = RuntimeSpec.build(img, run(List.of()).withExtras(tmp), PASSWD, GROUP);
    assertThat(mountsOf(t))
        .contains("/scratchhome tmpfs tmpfs", "/scratch tmpfs tmpfs")
        .doesNotContain("/home/alice tmpfs tmpfs");
    assertThat(texts(t.path("process").path("env"))).contains("HOME=/scratchhome");
    assertThat(t.path("linux").path("namespaces").toString()).contains("uts");

    RunOptions.Extras bound =
        RunOptions.Extras.builder()
            .resolvConf("/run/x/resolv.conf")
            .home("/srv/h:/home/me")
            .build();
    JsonNode b = RuntimeSpec.build(img, run(List.of()).withExtras(bound), PASSWD, GROUP);
    assertThat(mountsOf(b))
        .contains("/home/me none /srv/h", "/etc/resolv.conf none /run/x/resolv.conf");
    assertThat(texts(b.path("process").path("env"))).contains("HOME=/home/me");

    RunOptions.Extras none = RunOptions.Extras.builder().noHome(true).build();
    assertThat(mountsOf(RuntimeSpec.build(img, run(List.of()).withExtras(none), PASSWD, GROUP)))
        .noneMatch(m -> m.startsWith("/home/alice"));
    RunOptions.Extras relative = RunOptions.Extras.builder().home("rel").build();
    assertThatThrownBy(
            () -> RuntimeSpec.build(img, run(List.of()).withExtras(relative), PASSWD, GROUP))
        .hasMessageContaining("--home \"rel\"");
  }

  @Test
  void keepPrivsGivesRootEveryCapability() throws Exception {
    RunOptions.Extras keep = RunOptions.Extras.builder().keepPrivs(true).build();
    JsonNode caps =
        RuntimeSpec.build(
                image("{\"Cmd\":[\"x\"]}"), run(List.of()).withExtras(keep), PASSWD, GROUP)
            .path("process")
            .path("capabilities");
    assertThat(caps.path("effective")).hasSize(Capabilities.ALL.size());
    assertThat(caps.path("inheritable")).isEmpty();
  }

  @Test
  void cgroupTuningNoMountWorkdirAndContainLibs() throws Exception {
    RunOptions.Extras x =
        RunOptions.Extras.builder()
            .scratch(List.of("/scratch"))
            .memoryReservation(256L << 20)
            .memorySwap(1L << 30)
            .cpuShares(512)
            .cpusetCpus("0-1")
            .blkioWeight(300)
            .noMount(List.of("proc", "home"))
            .containLibs(List.of("/usr/lib/libfoo.so.1"))
            .workdir("/var/work")
            .build();
    RunOptions o = RunOptions.of(false, List.of()).withExtras(x);
    JsonNode s =
        RuntimeSpec.build(
            image("{\"Cmd\":[\"x\"],\"Env\":[\"LD_LIBRARY_PATH=/opt/lib\"]}"), o, PASSWD, GROUP);
    JsonNode res = s.path("linux").path("resources");
    assertThat(res.path("memory").path("reservation").asLong()).isEqualTo(256L << 20);
    assertThat(res.path("memory").path("swap").asLong()).isEqualTo(1L << 30);
    assertThat(res.path("cpu").path("shares").asLong()).isEqualTo(512);
    assertThat(res.path("cpu").path("cpus").asText()).isEqualTo("0-1");
    assertThat(res.path("blockIO").path("weight").asLong()).isEqualTo(300);
    List<String> m = mountsOf(s);
    assertThat(m).noneMatch(x1 -> x1.startsWith("/proc ")).noneMatch(x1 -> x1.startsWith("/root "));
    assertThat(m)
        .contains(
            "/tmp none /var/work/tmp",
            "/var/tmp none /var/work/var_tmp",
            "/scratch none /var/work/scratch/scratch",
            "/.singularity.d/libs/libfoo.so.1 none /usr/lib/libfoo.so.1");
    assertThat(texts(s.path("process").path("env")))
        .contains("LD_LIBRARY_PATH=/opt/lib:/.singularity.d/libs");
  }

  @Test
  void parsesMountSpecs() {
    assertThat(RunOptions.Bind.parseMount("type=bind,src=/a,dst=/b,ro"))
        .isEqualTo(new RunOptions.Bind("/a", "/b", true));
    assertThat(RunOptions.Bind.parseMount("type=bind,source=/a,target=/b"))
        .isEqualTo(new RunOptions.Bind("/a", "/b", false));
    assertThatThrownBy(() -> RunOptions.Bind.parseMount("type=tmpfs,dst=/x"))
        .hasMessageContaining("only type=bind is supported");
    assertThatThrownBy(() -> RunOptions.Bind.parseMount("type=bind,src=/a"))
        .hasMessageContaining("needs src= and dst=");
  }

  private static RunOptions inUserNamespace(RunOptions base, boolean fakeroot) {
    UserNamespace ns =
        UserNamespace.plan(
                1000,
                100,
                Optional.of(new UserNamespace.SubIdRange(200000, 65536)),
                Optional.of(new UserNamespace.SubIdRange(200000, 65536)),
                fakeroot,
                false)
            .orElseThrow();
    return base.withExtras(base.extras().toBuilder().fakeroot(fakeroot).userNamespace(ns).build());
  }

  @Test
  void rootlessRunsGetAUserNamespaceNoCgroupsAndTheHostSys() throws Exception {
    JsonNode img = image("{\"Cmd\":[\"sh\"]}");
    JsonNode spec =
        RuntimeSpec.build(
            img,
            inUserNamespace(run(List.of()).toBuilder().user("1000:100").build(), false),
            PASSWD,
            GROUP);
    assertThat(spec.path("linux").path("namespaces").toString()).contains("\"user\"");
    assertThat(spec.path("linux").path("uidMappings").toString())
        .isEqualTo("[{\"containerID\":1000,\"hostID\":1000,\"size\":1}]");
    assertThat(spec.path("linux").path("gidMappings").toString())
        .isEqualTo("[{\"containerID\":100,\"hostID\":100,\"size\":1}]");
    assertThat(spec.path("linux").has("resources")).isFalse();
    JsonNode sys = null;
    for (JsonNode m : spec.path("mounts")) {
      if (m.path("destination").asText().equals("/sys")) {
        sys = m;
      }
    }
    assertThat(sys).isNotNull();
    assertThat(sys.path("source").asText()).isEqualTo("/sys");
    assertThat(texts(sys.path("options"))).contains("rbind", "ro");
    assertThat(spec.path("process").path("user").path("uid").asLong()).isEqualTo(1000);
  }

  @Test
  void rootlessRefusesCgroupLimitsAndUnmappedUsers() throws Exception {
    JsonNode img = image("{\"Cmd\":[\"sh\"],\"User\":\"alice\"}");
    RunOptions limited =
        inUserNamespace(run(List.of()).toBuilder().memoryBytes(1 << 20).pidsLimit(5).build(), true);
    assertThatThrownBy(() -> RuntimeSpec.build(img, limited, PASSWD, GROUP))
        .hasMessage(
            "--memory, --pids-limit: cgroup limits need root; an unprivileged run cannot set"
                + " them on this host");
    RunOptions unmapped = inUserNamespace(run(List.of()).toBuilder().user("70000").build(), true);
    assertThatThrownBy(() -> RuntimeSpec.build(img, unmapped, PASSWD, GROUP))
        .hasMessageStartingWith("user 70000:0 has no id in the container's user namespace");
    JsonNode fake = RuntimeSpec.build(img, inUserNamespace(run(List.of()), true), PASSWD, GROUP);
    assertThat(fake.path("linux").path("uidMappings").toString())
        .isEqualTo(
            "[{\"containerID\":0,\"hostID\":1000,\"size\":1},"
                + "{\"containerID\":1,\"hostID\":200000,\"size\":65536}]");
    assertThat(fake.path("process").path("user").path("uid").asLong()).isEqualTo(1000);
  }
}
