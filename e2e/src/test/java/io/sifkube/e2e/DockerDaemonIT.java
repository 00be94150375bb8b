package io.sifkube.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code docker-daemon:} sources through a real Docker Engine API: podman's Docker-compatible
 * service ({@code podman system service}) on a private socket, with private storage, holding an
 * image loaded from a layout the test builds. The image pulled from the daemon must have the very
 * rootfs of the same image pulled from its layout.
 */
class DockerDaemonIT {

  @TempDir static Path shared;
  private static Process service;
  private static Path socket;
  private static Path layout;
  private static String busyboxId;

  @TempDir Path tmp;

  @BeforeAll
  static void startPodman() throws Exception {
    assertThat(Launcher.isRoot()).as("DockerDaemonIT compares owners and needs root").isTrue();
    socket = shared.resolve("docker.sock");
    layout = TestImages.layout(shared.resolve("layout"), "v1", "amd64", PullIT.richLayers());
    load(layout, "test/daemon:v1");
    // :latest, so that docker-daemon:test/busybox finds it as Docker's CLI would
    busyboxId = load(RunIT.busyboxLayout(shared.resolve("busybox")), "test/busybox:latest");

    List<String> cmd = new ArrayList<>(podmanBase());
    cmd.addAll(List.of("system", "service", "--time=0", "unix://" + socket));
    service =
        new ProcessBuilder(cmd)
            .redirectErrorStream(true)
            .redirectOutput(shared.resolve("service.log").toFile())
            .start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!Files.exists(socket)) {
      assertThat(service.isAlive()).as("podman system service: " + log()).isTrue();
      assertThat(System.nanoTime()).as("podman's socket within 30 s").isLessThan(deadline);
      Thread.sleep(50);
    }
  }

  @AfterAll
  static void stopPodman() throws Exception {
    if (service != null) {
      service.destroy();
      service.waitFor(10, TimeUnit.SECONDS);
      service.destroyForcibly();
    }
    // podman's storage holds mounts only while containers run; none ever did
    Launcher.exec(List.of("rm", "-rf", shared.resolve("storage").toString()));
  }

  /** Loads the layout's image into podman's storage as {@code name}; returns its image ID. */
  private static String load(Path from, String name) throws Exception {
    Path archive = shared.resolve(name.replaceAll("[/:]", "_") + ".tar");
    String index = Files.readString(from.resolve("index.json"));
    Matcher tag =
        Pattern.compile("\"org.opencontainers.image.ref.name\" *: *\"([^\"]+)\"").matcher(index);
    assertThat(tag.find()).as("tag in " + from).isTrue();
    Launcher.exec(
            List.of(
                "skopeo",
                "copy",
                "--quiet",
                "oci:" + from + ":" + tag.group(1),
                "docker-archive:" + archive + ":" + name))
        .ok();
    podman("load", "--quiet", "--input", archive.toString()).ok();
    String id = podman("image", "inspect", "--format", "{{.Id}}", name).ok().out().strip();
    assertThat(id).matches("[0-9a-f]{64}");
    return id;
  }

  private static List<String> podmanBase() {
    return List.of(
        "podman",
        "--root",
        shared.resolve("storage/root").toString(),
        "--runroot",
        shared.resolve("storage/run").toString(),
        "--storage-driver",
        "vfs",
        "--cgroup-manager",
        "cgroupfs",
        "--events-backend",
        "file");
  }

  private static Launcher.Result podman(String... args) throws Exception {
    List<String> cmd = new ArrayList<>(podmanBase());
    cmd.addAll(List.of(args));
    return Launcher.exec(cmd);
  }

  private static String log() {
    try {
      return Files.readString(shared.resolve("service.log"));
    } catch (Exception e) {
      return "(no log)";
    }
  }

  private Launcher.Result pull(Path cache, String source, Path out, String... options)
      throws Exception {
    List<String> args = new ArrayList<>(List.of("pull", "--cache-dir", cache.toString()));
    args.addAll(List.of(options));
    args.add(source);
    args.add(out.toString());
    return Launcher.sifctl(args.toArray(String[]::new));
  }

  private static String layerDigest(Path sif) throws Exception {
    Matcher m =
        Pattern.compile("Digest: +(sha256:[0-9a-f]{64})")
            .matcher(Launcher.sifctl("sif", "info", "1", sif.toString()).ok().out());
    assertThat(m.find()).isTrue();
    return m.group(1);
  }

  @Test
  void anImageInTheDaemonPullsToTheRootfsOfItsLayout() throws Exception {
    Path cache = tmp.resolve("cache");
    Path fromLayout = tmp.resolve("layout.oci.sif");
    Path fromDaemon = tmp.resolve("daemon.oci.sif");
    pull(cache, "oci:" + layout + ":v1", fromLayout).ok();
    Launcher.Result r =
        pull(cache, "docker-daemon:test/daemon:v1", fromDaemon, "--docker-host", "unix://" + socket)
            .ok();
    assertThat(r.err()).contains("Squashing image to single layer");

    assertThat(Trees.snapshot(PullIT.unsquash(fromDaemon, tmp.resolve("d"))))
        .isEqualTo(Trees.snapshot(PullIT.unsquash(fromLayout, tmp.resolve("l"))));
    assertThat(layerDigest(fromDaemon)).isEqualTo(layerDigest(fromLayout));
    try (Stream<Path> left = Files.list(cache.resolve("tmp"))) {
      assertThat(left).as("the saved archive and its unpacked copy are removed").isEmpty();
    }
  }

  @Test
  void dockerHostFromTheEnvironmentAndAnImageIdServeRunWithTheImagesConfig() throws Exception {
    Path cache = tmp.resolve("cache");
    Launcher.letCrunRun();
    Map<String, String> env = Map.of("DOCKER_HOST", "unix://" + socket);
    // the image's entrypoint, command and environment came through the daemon
    Launcher.Result run =
        Launcher.sifctlWithEnv(
                env, "run", "--cache-dir", cache.toString(), "docker-daemon:sha256:" + busyboxId)
            .ok();
    assertThat(run.out()).isEqualTo("default bar\n");
    Launcher.Result exec =
        Launcher.sifctlWithEnv(
                env,
                "exec",
                "--cache-dir",
                cache.toString(),
                "docker-daemon:test/busybox",
                "cat",
                "/etc/group")
            .ok();
    assertThat(exec.out()).isEqualTo("root:x:0:\napp:x:2345:\n");
  }

  @Test
  void aMissingImageOrDaemonIsOneLineNamingIt() throws Exception {
    Path cache = tmp.resolve("cache");
    Launcher.Result missing =
        pull(
            cache,
            "docker-daemon:test/nothing:v9",
            tmp.resolve("x.oci.sif"),
            "--docker-host",
            "unix://" + socket);
    assertThat(missing.status()).isEqualTo(1);
    assertThat(missing.err().strip())
        .startsWith("sifctl: error: docker-daemon:test/nothing:v9: no such image in the daemon at")
        .doesNotContain("\n")
        .doesNotContain("Exception");

    Launcher.Result noDaemon =
        pull(
            cache,
            "docker-daemon:test/daemon:v1",
            tmp.resolve("x.oci.sif"),
            "--docker-host",
            "unix://" + tmp.resolve("absent.sock"));
    assertThat(noDaemon.status()).isEqualTo(1);
    assertThat(noDaemon.err())
        .contains("cannot reach the Docker daemon at unix://" + tmp.resolve("absent.sock"))
        .contains("does not exist")
        .doesNotContain("Exception");

    Launcher.Result badHost =
        pull(
            cache,
            "docker-daemon:test/daemon:v1",
            tmp.resolve("x.oci.sif"),
            "--docker-host",
            "ssh://h");
    assertThat(badHost.status()).isEqualTo(1);
    assertThat(badHost.err()).contains("--docker-host ssh://h: only unix:///PATH and tcp://");

    Launcher.Result badName =
        pull(
            cache,
            "docker-daemon:../../containers/json",
            tmp.resolve("x.oci.sif"),
            "--docker-host",
            "unix://" + socket);
    assertThat(badName.status()).isEqualTo(1);
    assertThat(badName.err()).contains("is not an image name");
    assertThat(tmp.resolve("x.oci.sif")).doesNotExist();
  }
}
