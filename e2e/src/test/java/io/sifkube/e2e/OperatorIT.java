package io.sifkube.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.sifkube.api.v1alpha1.SifImage;
import io.sifkube.api.v1alpha1.SifImageStatus;
import io.sifkube.api.v1alpha1.SifNode;
import io.sifkube.api.v1alpha1.SifRun;
import io.sifkube.api.v1alpha1.SifRunStatus;
import io.sifkube.node.v1.RemoveImageRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The operator and two siflets on a real control plane, each under its own RBAC role (not
 * cluster-admin), siflets reached over mutual TLS, images from the local registry.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class OperatorIT {

  @TempDir static Path dir;
  private static OperatorHarness h;
  private static KubeCluster cluster;
  private static RegistryHarness registry;
  private static SifletDaemon nodeA;
  private static SifletDaemon nodeB;
  private static Process operator;
  private static String source;

  @BeforeAll
  static void setUp() throws Exception {
    h = OperatorHarness.up(dir);
    cluster = h.cluster;
    registry = h.registry;
    nodeA = h.nodeA;
    nodeB = h.nodeB;
    operator = h.operator;
    source = h.source;
  }

  private static Process startOperator() throws Exception {
    return h.startOperator();
  }

  /** Node {@code n}'s CDI spec directory {@code which} (etc or run), as its siflet reads them. */
  private static Path cdiDir(String n, String which) {
    return OperatorHarness.cdiDir(dir, n, which);
  }

  @AfterAll
  static void tearDown() throws Exception {
    if (h != null) {
      h.operator = operator; // the one a test started last
      h.close();
    }
  }

  interface Check {
    boolean ok() throws Exception;
  }

  static void await(String what, Check check) throws Exception {
    await(() -> what, check);
  }

  /** As {@link #await(String, Check)}, saying what was awaited as it stands at the deadline. */
  static void await(Supplier<String> what, Check check) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (!check.ok()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError(
            what.get()
                + " within 120 s"
                + (h == null ? "" : "; operator log:\n" + h.operatorLog()));
      }
      Thread.sleep(200);
    }
  }

  /** How many of the idle test's objects of {@code type} pass {@code test}. */
  private static <T extends io.fabric8.kubernetes.api.model.HasMetadata> long idle(
      Class<T> type, Predicate<T> test) throws Exception {
    try (KubernetesClient k = cluster.client("admin")) {
      return k
          .resources(type)
          .inNamespace("default")
          .withLabel("sifkube.test/idle", "yes")
          .list()
          .getItems()
          .stream()
          .filter(test)
          .count();
    }
  }

  /**
   * What Argo CD's health check (charts/sifkube/files/argocd-health.lua, run with Debian's Lua 5.1
   * as Argo CD's gopher-lua would) says of {@code object}: "STATUS\tMESSAGE".
   */
  static String argoHealth(Object object) throws Exception {
    Path json = Files.createTempFile(dir, "object", ".json");
    Files.writeString(json, Serialization.asJson(object));
    Path root = Launcher.repoRoot();
    return Launcher.exec(
            List.of(
                "lua5.1",
                root.resolve("e2e/src/test/lua/argocd-health.lua").toString(),
                root.resolve("charts/sifkube/files/argocd-health.lua").toString(),
                json.toString()))
        .ok()
        .out()
        .strip();
  }

  private static SifRun apply(String name, String specYaml) throws Exception {
    return h.apply(name, specYaml);
  }

  private static SifRun awaitRun(String name, Predicate<SifRun> done, String what)
      throws Exception {
    return h.awaitRun(name, done, what);
  }

  private static SifRun awaitUnscheduled(String name) throws Exception {
    return h.awaitUnscheduled(name);
  }

  private static int containersOf(SifletDaemon node, String runUid) {
    return OperatorHarness.containersOf(node, runUid);
  }

  @Test
  @Order(1)
  void aRunSucceedsWithItsOutputInStatusAndNothingLeftOnTheNode() throws Exception {
    SifRun created =
        apply("hello", "  source: " + source + "\n  args: ['echo hello-from-sifrun']\n");
    SifRun r =
        awaitRun("hello", x -> x.getStatus().phase == SifRunStatus.Phase.Succeeded, "Succeeded");
    assertThat(argoHealth(r)).startsWith("Healthy\tSucceeded");
    assertThat(r.getStatus().exitCode).isZero();
    assertThat(r.getStatus().attempts).isEqualTo(1);
    assertThat(r.getStatus().outputTail).isEqualTo("hello-from-sifrun\n");
    assertThat(r.getStatus().node).isIn("node-a", "node-b");
    assertThat(r.getStatus().conditions)
        .anyMatch(c -> c.getType().equals("Complete") && c.getStatus().equals("True"));
    String uid = created.getMetadata().getUid();
    assertThat(containersOf(nodeA, uid) + containersOf(nodeB, uid)).isZero();
    String table = cluster.kubectl("admin", "get", "sifruns", "hello").ok().out();
    assertThat(table).containsPattern("hello\\s+Succeeded\\s+node-[ab]\\s+0\\s+1\\s+");
    var port =
        java.util.regex.Pattern.compile("metrics on http://127.0.0.1:(\\d+)/metrics")
            .matcher(Files.readString(dir.resolve("operator.log")));
    assertThat(port.find()).isTrue();
    String metrics;
    try (var in =
        java.net
            .URI
            .create("http://127.0.0.1:" + port.group(1) + "/metrics")
            .toURL()
            .openStream()) {
      metrics = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    }
    assertThat(metrics)
        .contains("sifkube_operator_run_phase_total{phase=\"Succeeded\"}")
        .contains("sifkube_operator_scheduling_latency_seconds")
        .contains("operator_sdk_");
  }

  /** examples/FILE with this test's registry in place of the quickstart's. */
  private static String example(String file) throws Exception {
    return Files.readString(Launcher.repoRoot().resolve("examples").resolve(file))
        .replace("docker://127.0.0.1:15000/sifkube/hello:1", source);
  }

  @Test
  @Order(2)
  void aFailingRunIsRetriedUpToItsBackoffLimit() throws Exception {
    cluster.kubectlStdin(example("retry-backoff.yaml"), "apply").ok();
    SifRun r = awaitRun("flaky", x -> x.getStatus().phase == SifRunStatus.Phase.Failed, "Failed");
    assertThat(argoHealth(r)).startsWith("Degraded\tBackoffLimitExceeded");
    assertThat(r.getStatus().attempts).isEqualTo(3);
    assertThat(r.getStatus().exitCode).isEqualTo(3);
    assertThat(r.getStatus().reason).isEqualTo("BackoffLimitExceeded");
    assertThat(r.getStatus().outputTail).isEqualTo("attempt\n");
  }

  @Test
  @Order(2)
  void everyExampleIsAcceptedByTheServer() throws Exception {
    List<Path> files;
    try (var s = Files.list(Launcher.repoRoot().resolve("examples"))) {
      files = s.filter(f -> f.toString().endsWith(".yaml")).sorted().toList();
    }
    assertThat(files).hasSizeGreaterThanOrEqualTo(6);
    for (Path f : files) {
      Launcher.Result r =
          cluster.kubectlStdin(example(f.getFileName().toString()), "apply", "--dry-run=server");
      assertThat(r.status()).as("%s: %s", f.getFileName(), r.err()).isZero();
    }
  }

  @Test
  @Order(3)
  void deletingARunningRunStopsAndRemovesItsContainer() throws Exception {
    SifRun created = apply("long", "  source: " + source + "\n  args: ['sleep 600']\n");
    SifRun r = awaitRun("long", x -> x.getStatus().phase == SifRunStatus.Phase.Running, "Running");
    assertThat(argoHealth(r)).startsWith("Progressing\tStarted");
    SifletDaemon node = r.getStatus().node.equals("node-a") ? nodeA : nodeB;
    String uid = created.getMetadata().getUid();
    assertThat(containersOf(node, uid)).isEqualTo(1);
    cluster.kubectl("admin", "delete", "sifrun", "long", "--timeout=90s").ok();
    assertThat(containersOf(node, uid)).isZero();
  }

  @Test
  @Order(4)
  void aRunNoNodeMatchesStaysPendingAndSaysWhy() throws Exception {
    apply(
        "nowhere", "  source: " + source + "\n  args: ['true']\n  nodeSelector: {zone: nowhere}\n");
    SifRun r = awaitUnscheduled("nowhere");
    assertThat(argoHealth(r)).startsWith("Progressing\tUnschedulable: no SifNode matches");
    assertThat(r.getStatus().conditions)
        .anyMatch(
            c ->
                c.getType().equals("Scheduled")
                    && c.getStatus().equals("False")
                    && c.getReason().equals("Unschedulable")
                    && c.getMessage().contains("no SifNode matches nodeSelector {zone=nowhere}"));
  }

  @Test
  @Order(4)
  void aRunThatFitsNoNodesAllocatableStaysPending() throws Exception {
    apply("toobig", "  source: " + source + "\n  args: ['true']\n  resources: {cpu: '1000'}\n");
    SifRun r = awaitUnscheduled("toobig");
    assertThat(r.getStatus().message).isEqualTo("no Ready SifNode has cpu 1000 allocatable left");
    cluster.kubectl("admin", "delete", "sifrun", "toobig", "--timeout=60s").ok();
  }

  @Test
  @Order(4)
  void aRunAskingForADeviceNoNodeOffersStaysPending() throws Exception {
    cluster.kubectlStdin(example("gpu-devices.yaml"), "apply").ok();
    SifRun r = awaitUnscheduled("cuda-job");
    assertThat(r.getStatus().message)
        .isEqualTo("no Ready SifNode offers devices [nvidia.com/gpu=0]");
    cluster.kubectl("admin", "delete", "sifrun", "cuda-job", "--timeout=60s").ok();
  }

  @Test
  @Order(5)
  void aSpecTheNodeRefusesFailsOnceWithTheFieldNamed() throws Exception {
    // The schema lets CAP_NOPE by (CAP_[A-Z_]+); the node knows no such capability. No retry can
    // cure that: Failed at once, no attempt counted, an Event — not Pulling forever.
    apply(
        "cap-nope",
        "  source: " + source + "\n  args: ['true']\n  capabilities: {add: [CAP_NOPE]}\n");
    SifRun r =
        awaitRun("cap-nope", x -> x.getStatus().phase == SifRunStatus.Phase.Failed, "Failed");
    assertThat(r.getStatus().reason).isEqualTo("InvalidSpec");
    assertThat(r.getStatus().message).contains("CAP_NOPE").contains("capabilit");
    assertThat(r.getStatus().failures).isNull();
    assertThat(cluster.eventsOf("cap-nope"))
        .anyMatch(e -> e.startsWith("Failed: ") && e.contains("CAP_NOPE"));
    Thread.sleep(3000);
    SifRun later = awaitRun("cap-nope", x -> true, "read");
    assertThat(later.getStatus().phase).isEqualTo(SifRunStatus.Phase.Failed);
    assertThat(later.getStatus().failures).as("no attempt retried").isNull();
    cluster.kubectl("admin", "delete", "sifrun", "cap-nope", "--timeout=60s").ok();
  }

  private static SifNode sifNode(String name) throws Exception {
    try (KubernetesClient k = cluster.client("admin")) {
      return k.resources(SifNode.class).withName(name).get();
    }
  }

  private static List<String> devicesOf(String node) throws Exception {
    SifNode n = sifNode(node);
    return n == null || n.getStatus() == null || n.getStatus().devices == null
        ? List.of()
        : n.getStatus().devices;
  }

  /**
   * A vendor's spec file dropped into one node's /var/run/cdi (the stand-in GPU of examples/cdi) is
   * offered by that node's SifNode within seconds, without a restart; the example run asking for it
   * goes there and sees the device; a second run for it waits until the first ends; a device whose
   * host node is gone fails its run at once; removing the file withdraws the device.
   */
  @Test
  @Order(6)
  void aCdiDeviceIsOfferedInjectedAndLentToOneRunAtATime() throws Exception {
    Path run = Files.createDirectories(cdiDir("a", "run"));
    Path script = run.resolve("stand-in-nvidia-smi");
    Files.copy(
        Launcher.repoRoot().resolve("examples/cdi/stand-in-nvidia-smi"),
        script,
        java.nio.file.StandardCopyOption.COPY_ATTRIBUTES);
    String spec =
        Files.readString(Launcher.repoRoot().resolve("examples/cdi/stand-in-gpu.yaml"))
            .replace("/var/run/cdi/stand-in-nvidia-smi", script.toString())
            // this test's image has PATH=/bin (the quickstart's has the default PATH)
            .replace("containerPath: /usr/bin/nvidia-smi", "containerPath: /bin/nvidia-smi");
    Path tmp = run.resolve("spec.tmp");
    Files.writeString(tmp, spec);
    long t0 = System.nanoTime();
    Files.move(tmp, run.resolve("nvidia.yaml"), java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    await(
        "node-a offers nvidia.com/gpu=0",
        () -> devicesOf("node-a").equals(List.of("nvidia.com/gpu=0")));
    assertThat(System.nanoTime() - t0)
        .as("seen within 5 s")
        .isLessThan(TimeUnit.SECONDS.toNanos(5));
    assertThat(devicesOf("node-b")).isEmpty();
    assertThat(cluster.kubectl("admin", "get", "sifnodes").ok().out())
        .containsPattern("node-a\\s+True\\s+\\S+\\s+1\\s+")
        .containsPattern("node-b\\s+True\\s+\\S+\\s+0\\s+");

    cluster.kubectlStdin(example("gpu-devices.yaml"), "apply").ok();
    SifRun job =
        awaitRun("cuda-job", x -> x.getStatus().phase == SifRunStatus.Phase.Succeeded, "Succeeded");
    assertThat(job.getStatus().node).isEqualTo("node-a");
    assertThat(job.getStatus().outputTail)
        .startsWith(
            "GPU 0: Sifkube stand-in GPU (UUID: GPU-00000000-0000-0000-0000-000000000000)\n")
        .containsPattern("crw.*1,\\s+5 .* /dev/nvidia0\n");
    assertThat(job.getStatus().devices)
        .singleElement()
        .satisfies(
            d -> {
              assertThat(d.name).isEqualTo("nvidia.com/gpu=0");
              assertThat(d.node).isEqualTo("node-a");
              assertThat(d.specFile).isEqualTo(run.resolve("nvidia.yaml").toString());
              assertThat(d.specSha256)
                  .isEqualTo(
                      io.sifkube.image.oci.Digest.sha256(
                              Files.readAllBytes(run.resolve("nvidia.yaml")))
                          .hex());
              assertThat(d.cdiVersion).isEqualTo("0.5.0");
              assertThat(d.nodes).containsExactly("/dev/nvidia0 c 1:5 from /dev/zero");
            });
    await(
        "a DevicesInjected event",
        () ->
            cluster.eventsOf("cuda-job").stream()
                .anyMatch(
                    e ->
                        e.startsWith("DevicesInjected: on node-a: nvidia.com/gpu=0 from " + run)
                            && e.contains("cdiVersion 0.5.0")));

    apply(
        "gpu-hold",
        "  source: " + source + "\n  args: ['sleep 600']\n  devices: [nvidia.com/gpu=0]\n");
    awaitRun("gpu-hold", x -> x.getStatus().phase == SifRunStatus.Phase.Running, "Running");
    apply(
        "gpu-wait",
        "  source: " + source + "\n  args: ['echo waited']\n  devices: [nvidia.com/gpu=0]\n");
    SifRun waiting = awaitUnscheduled("gpu-wait");
    assertThat(waiting.getStatus().message)
        .isEqualTo("devices [nvidia.com/gpu=0] are held by other runs on every node");
    cluster.kubectl("admin", "delete", "sifrun", "gpu-hold", "--timeout=90s").ok();
    SifRun waited =
        awaitRun("gpu-wait", x -> x.getStatus().phase == SifRunStatus.Phase.Succeeded, "Succeeded");
    assertThat(waited.getStatus().node).isEqualTo("node-a");
    assertThat(waited.getStatus().outputTail).isEqualTo("waited\n");

    // Offered, but its host node is gone by the time the container is made: no retry can help.
    Files.writeString(
        run.resolve("fpga.yaml"),
        "cdiVersion: 0.5.0\nkind: example.com/fpga\ndevices:\n"
            + "- {name: x, containerEdits: {deviceNodes: [{path: /dev/fpga0, hostPath: /dev/sifkube-gone}]}}\n");
    await(
        "node-a offers example.com/fpga=x",
        () -> devicesOf("node-a").contains("example.com/fpga=x"));
    SifRun created =
        apply(
            "fpga-gone",
            "  source: " + source + "\n  args: ['true']\n  devices: [example.com/fpga=x]\n");
    SifRun failed =
        awaitRun("fpga-gone", x -> x.getStatus().phase == SifRunStatus.Phase.Failed, "Failed");
    assertThat(failed.getStatus().reason).isEqualTo("InvalidSpec");
    assertThat(failed.getStatus().message)
        .isEqualTo(
            "siflet on node-a refused the run: config.devices: example.com/fpga=x: host device"
                + " /dev/sifkube-gone: no such file");
    assertThat(failed.getStatus().failures).isNull();
    assertThat(containersOf(nodeA, created.getMetadata().getUid())).isZero();

    Files.delete(run.resolve("nvidia.yaml"));
    Files.delete(run.resolve("fpga.yaml"));
    await("node-a offers no device", () -> devicesOf("node-a").isEmpty());
    assertThat(sifNode("node-a").getStatus().deviceCount).isZero();
    for (String r : List.of("cuda-job", "gpu-wait", "fpga-gone")) {
      cluster.kubectl("admin", "delete", "sifrun", r, "--timeout=60s").ok();
    }
  }

  private static void patchSpec(String name, String json) throws Exception {
    h.patchSpec(name, json);
  }

  private static long starts(SifletDaemon d) throws Exception {
    return metric(d, "sifkube_siflet_container_start_duration_seconds_count ");
  }

  /** The images node {@code d} pulled, as its metrics count them. */
  private static long pulls(SifletDaemon d) throws Exception {
    return metric(d, "sifkube_siflet_pulls_total{result=\"ok\"} ");
  }

  /** The sum of {@code d}'s metric lines that start with {@code prefix}. */
  private static long metric(SifletDaemon d, String prefix) throws Exception {
    try (var in =
        java.net
            .URI
            .create("http://127.0.0.1:" + d.metricsPort + "/metrics")
            .toURL()
            .openStream()) {
      String m = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
      return m.lines()
          .filter(l -> l.startsWith(prefix))
          .mapToLong(l -> Long.parseLong(l.substring(prefix.length()).trim()))
          .sum();
    }
  }

  @Test
  @Order(6)
  void anImageThatCannotBePulledWaitsInImagePullBackOff() throws Exception {
    String missing = "docker://" + registry.host() + "/tools/busybox:no-such-tag";
    apply("badtag", "  source: " + missing + "\n");
    SifRun r =
        awaitRun(
            "badtag", x -> "ImagePullBackOff".equals(x.getStatus().reason), "in ImagePullBackOff");
    assertThat(r.getStatus().phase).isEqualTo(SifRunStatus.Phase.Pulling);
    assertThat(r.getStatus().message).contains(missing).contains("no-such-tag");
    assertThat(r.getStatus().attempts).as("no attempt started").isNull();
    assertThat(argoHealth(r)).startsWith("Degraded\tImagePullBackOff: pulling " + missing);
    cluster.kubectl("admin", "delete", "sifrun", "badtag", "--timeout=60s").ok();
  }

  @Test
  @Order(7)
  void aSifImageReportsItsDigestAndTheNodesThatCachedIt() throws Exception {
    cluster
        .kubectlStdin(
            "apiVersion: sifkube.io/v1alpha1\nkind: SifImage\nmetadata: {name: busybox}\n"
                + "spec:\n  source: "
                + source
                + "\n  prePull: {}\n",
            "apply")
        .ok();
    try (KubernetesClient k = cluster.client("admin")) {
      SifImage[] img = new SifImage[1];
      await(
          "SifImage busybox Ready",
          () -> {
            img[0] = k.resources(SifImage.class).inNamespace("default").withName("busybox").get();
            return img[0].getStatus() != null
                && img[0].getStatus().conditions.stream()
                    .anyMatch(c -> c.getType().equals("Ready") && c.getStatus().equals("True"));
          });
      SifImageStatus s = img[0].getStatus();
      assertThat(s.manifestDigest).startsWith("sha256:");
      assertThat(s.user).isEqualTo("app");
      assertThat(s.entrypoint).containsExactly("/bin/sh", "-c");
      assertThat(s.nodes)
          .extracting(n -> n.node + "=" + n.state)
          .containsExactly("node-a=Cached", "node-b=Cached");
      assertThat(argoHealth(img[0])).isEqualTo("Healthy\tCached: cached on 2 node(s)");
    }
    apply("by-image", "  image: busybox\n  args: ['echo via-sifimage']\n");
    SifRun r =
        awaitRun("by-image", x -> x.getStatus().phase == SifRunStatus.Phase.Succeeded, "Succeeded");
    assertThat(r.getStatus().outputTail).isEqualTo("via-sifimage\n");
  }

  /**
   * A run of an image pinned by digest, without credentials or a signature policy, is not pulled
   * again on a node that pulled it for the operator; once the node has dropped the image, the next
   * run pulls it again and succeeds.
   */
  @Test
  @Order(8)
  void aPinnedImageTheNodePulledBeforeIsNotPulledAgainUntilTheNodeDropsIt() throws Exception {
    // No prePull: nothing but the runs pulls this image (the pre-pulled SifImage of the test
    // before, of the same source, goes, lest it pull the image back onto node-a). The operator may
    // already remember node-a's pull of this pinned source from that test's run.
    cluster
        .kubectl("admin", "delete", "sifimage", "busybox", "--ignore-not-found", "--timeout=60s")
        .ok();
    cluster
        .kubectlStdin(
            "apiVersion: sifkube.io/v1alpha1\nkind: SifImage\nmetadata: {name: pinned}\n"
                + "spec:\n  source: "
                + source
                + "\n",
            "apply")
        .ok();
    String[] digest = new String[1];
    try (KubernetesClient k = cluster.client("admin")) {
      await(
          "SifImage pinned resolved",
          () -> {
            SifImage i =
                k.resources(SifImage.class).inNamespace("default").withName("pinned").get();
            digest[0] = i.getStatus() == null ? null : i.getStatus().manifestDigest;
            return digest[0] != null;
          });
    }
    String spec = "  image: pinned\n  args: ['echo pinned']\n  nodeSelector: {zone: a}\n";
    apply("pinned-1", spec);
    awaitRun("pinned-1", x -> x.getStatus().phase == SifRunStatus.Phase.Succeeded, "Succeeded");
    long pulled = pulls(nodeA);

    apply("pinned-2", spec);
    SifRun second =
        awaitRun("pinned-2", x -> x.getStatus().phase == SifRunStatus.Phase.Succeeded, "Succeeded");
    assertThat(second.getStatus().outputTail).isEqualTo("pinned\n");
    assertThat(pulls(nodeA)).as("PullImage calls on node-a for the second run").isEqualTo(pulled);

    // node-a drops the image (as its garbage collection would) once no container holds it
    await(
        "node-a removed " + digest[0],
        () -> {
          try {
            nodeA.images().removeImage(RemoveImageRequest.newBuilder().setImage(digest[0]).build());
            return true;
          } catch (io.grpc.StatusRuntimeException inUse) {
            return false;
          }
        });
    apply("pinned-3", spec);
    SifRun third =
        awaitRun("pinned-3", x -> x.getStatus().phase == SifRunStatus.Phase.Succeeded, "Succeeded");
    assertThat(third.getStatus().attempts).as("no failed attempt").isEqualTo(1);
    assertThat(third.getStatus().outputTail).isEqualTo("pinned\n");
    assertThat(pulls(nodeA)).as("node-a pulled the image again").isEqualTo(pulled + 1);
    for (String r : List.of("pinned-1", "pinned-2", "pinned-3")) {
      cluster.kubectl("admin", "delete", "sifrun", r, "--timeout=60s").ok();
    }
    cluster.kubectl("admin", "delete", "sifimage", "pinned", "--timeout=60s").ok();
  }

  /**
   * With 2 nodes, 100 finished runs and 10 resolved SifImages, the operator and the siflets make no
   * API request in 60 idle seconds but the Leases' renewals: everything else comes from watches.
   */
  @Test
  @Order(9)
  void anIdleClusterCostsTheApiServerNothingButLeaseRenewals() throws Exception {
    StringBuilder all = new StringBuilder();
    for (int i = 0; i < 100; i++) {
      all.append("---\napiVersion: sifkube.io/v1alpha1\nkind: SifRun\n")
          .append("metadata: {name: idle-" + i + ", labels: {sifkube.test/idle: 'yes'}}\n")
          .append("spec: {source: '" + source + "', args: ['true']}\n");
    }
    for (int i = 0; i < 10; i++) {
      all.append("---\napiVersion: sifkube.io/v1alpha1\nkind: SifImage\n")
          .append("metadata: {name: idle-" + i + ", labels: {sifkube.test/idle: 'yes'}}\n")
          .append("spec: {source: '" + source + "'}\n");
    }
    cluster.kubectlStdin(all.toString(), "apply").ok();
    await(
        "100 idle runs Succeeded and 10 SifImages Ready",
        () ->
            idle(
                        SifRun.class,
                        r ->
                            r.getStatus() != null
                                && r.getStatus().phase == SifRunStatus.Phase.Succeeded)
                    == 100
                && idle(
                        SifImage.class,
                        i ->
                            i.getStatus() != null
                                && io.sifkube.operator.run.Conditions.isTrue(
                                    i.getStatus().conditions, "Ready"))
                    == 10);
    Thread.sleep(20_000); // settle: past a full orphan sweep and a lease renewal of each node
    java.time.Instant from = java.time.Instant.now();
    Thread.sleep(60_000);
    java.time.Instant to = java.time.Instant.now();
    Thread.sleep(2_000); // the audit log is written after the response
    var users = java.util.Set.of("sifkube-operator", "siflet-a", "siflet-b");
    var requests = cluster.requests(users, from, to);
    System.out.println("API requests in 60 idle seconds: " + requests);
    var beyondLeases = new java.util.TreeMap<>(requests);
    beyondLeases.keySet().removeIf(r -> r.endsWith(" leases"));
    assertThat(beyondLeases).as("requests beyond lease renewals (all: %s)", requests).isEmpty();
    assertThat(requests).as("the siflets renew their Leases").containsKey("siflet-a update leases");
    // a renewal is one update: the siflet keeps the Lease it wrote, reading it only after an error
    assertThat(requests).doesNotContainKey("siflet-a get leases");
    cluster.kubectl("admin", "delete", "sifruns,sifimages", "-l", "sifkube.test/idle=yes").ok();
  }

  @Test
  @Order(10)
  void activeDeadlineSecondsStopsALongRun() throws Exception {
    SifRun created =
        apply(
            "deadline",
            "  source: " + source + "\n  args: ['sleep 600']\n  activeDeadlineSeconds: 3\n");
    SifRun r =
        awaitRun("deadline", x -> x.getStatus().phase == SifRunStatus.Phase.Failed, "Failed");
    assertThat(r.getStatus().reason).isEqualTo("DeadlineExceeded");
    String uid = created.getMetadata().getUid();
    assertThat(containersOf(nodeA, uid) + containersOf(nodeB, uid)).isZero();
  }

  @Test
  @Order(11)
  void suspendStopsTheRunAndResumingStartsANewAttempt() throws Exception {
    SifRun created = apply("pausable", "  source: " + source + "\n  args: ['sleep 600']\n");
    String uid = created.getMetadata().getUid();
    awaitRun("pausable", x -> x.getStatus().phase == SifRunStatus.Phase.Running, "Running");
    patchSpec("pausable", "{\"spec\":{\"suspend\":true}}");
    SifRun s =
        awaitRun(
            "pausable",
            x ->
                x.getStatus().conditions.stream()
                    .anyMatch(c -> c.getType().equals("Suspended") && c.getStatus().equals("True")),
            "Suspended");
    assertThat(s.getStatus().phase).isEqualTo(SifRunStatus.Phase.Pending);
    assertThat(argoHealth(s)).startsWith("Suspended\tJobSuspended");
    assertThat(containersOf(nodeA, uid) + containersOf(nodeB, uid)).isZero();
    patchSpec("pausable", "{\"spec\":{\"suspend\":false}}");
    SifRun resumed =
        awaitRun(
            "pausable",
            x -> x.getStatus().phase == SifRunStatus.Phase.Running && x.getStatus().attempts == 2,
            "Running again");
    assertThat(resumed.getStatus().failures).as("a suspension is no failure").isNull();
    cluster.kubectl("admin", "delete", "sifrun", "pausable", "--timeout=90s").ok();
  }

  @Test
  @Order(20)
  void aKilledOperatorResumesTheRunWithoutASecondContainer() throws Exception {
    long before = starts(nodeA) + starts(nodeB);
    apply("survivor", "  source: " + source + "\n  args: ['sleep 4; echo done']\n");
    awaitRun("survivor", x -> x.getStatus().phase == SifRunStatus.Phase.Running, "Running");
    operator.destroyForcibly().waitFor();
    operator = startOperator();
    SifRun r =
        awaitRun("survivor", x -> x.getStatus().phase == SifRunStatus.Phase.Succeeded, "Succeeded");
    assertThat(r.getStatus().attempts).isEqualTo(1);
    assertThat(r.getStatus().outputTail).isEqualTo("done\n");
    assertThat(starts(nodeA) + starts(nodeB) - before).as("containers started").isEqualTo(1);
  }

  /**
   * A siflet that comes back after its Lease ran out, but within the operator's grace (a DaemonSet
   * pod replaced on a busy node), finds its run's container still running, and the run goes on in
   * its first attempt: no second container anywhere.
   */
  @Test
  @Order(25)
  void aSifletBackWithinTheGraceKeepsItsRunInTheFirstAttempt() throws Exception {
    apply("patient", "  source: " + source + "\n  args: ['sleep 35; echo done']\n");
    SifRun r =
        awaitRun("patient", x -> x.getStatus().phase == SifRunStatus.Phase.Running, "Running");
    String uid = r.getMetadata().getUid();
    String down = r.getStatus().node;
    SifletDaemon victim = down.equals("node-a") ? nodeA : nodeB;
    SifletDaemon other = victim == nodeA ? nodeB : nodeA;
    victim.kill9();
    SifRun waiting =
        awaitRun(
            "patient",
            x -> x.getStatus().message != null && x.getStatus().message.contains("given up at"),
            "the operator waiting out the grace");
    assertThat(waiting.getStatus().message)
        .contains("SifNode " + down + " is not Ready since")
        .contains("grace " + OperatorHarness.NODE_LOST_GRACE_SECONDS + " s");
    assertThat(sifNode(down).getStatus().conditions)
        .anyMatch(c -> c.getType().equals("Ready") && c.getStatus().equals("False"));
    assertThat(waiting.getStatus().attempts).isEqualTo(1);
    var until =
        java.util.regex.Pattern.compile("given up at (\\S+)").matcher(waiting.getStatus().message);
    assertThat(until.find()).isTrue();
    victim.start();
    assertThat(java.time.Instant.now())
        .as("the siflet is back within the grace (else this host is too slow for the test)")
        .isBefore(java.time.Instant.parse(until.group(1)));
    SifRun done =
        awaitRun("patient", x -> x.getStatus().phase == SifRunStatus.Phase.Succeeded, "Succeeded");
    assertThat(done.getStatus().attempts).isEqualTo(1);
    assertThat(done.getStatus().failures).isNull();
    assertThat(done.getStatus().node).isEqualTo(down);
    assertThat(done.getStatus().outputTail).isEqualTo("done\n");
    assertThat(containersOf(other, uid)).as("containers of the run on the other node").isZero();
    cluster.kubectl("admin", "delete", "sifrun", "patient", "--timeout=90s").ok();
  }

  /**
   * A SifNode deleted under a running run: no call can reach that node any more, so the attempt is
   * given up at once (no grace, no retry for ever) and the run moves; the node's siflet, restarted,
   * registers again and the sweep removes the lost attempt's container.
   */
  @Test
  @Order(26)
  void aDeletedSifNodeFailsTheAttemptAtOnceAndTheRunMoves() throws Exception {
    apply("homeless", "  source: " + source + "\n  args: ['sleep 600']\n");
    SifRun r =
        awaitRun("homeless", x -> x.getStatus().phase == SifRunStatus.Phase.Running, "Running");
    String uid = r.getMetadata().getUid();
    String gone = r.getStatus().node;
    SifletDaemon victim = gone.equals("node-a") ? nodeA : nodeB;
    cluster.kubectl("admin", "delete", "sifnode", gone, "--timeout=60s").ok();
    SifRun moved =
        awaitRun(
            "homeless",
            x ->
                x.getStatus().phase == SifRunStatus.Phase.Running
                    && x.getStatus().node != null
                    && !x.getStatus().node.equals(gone),
            "Running on the other node");
    assertThat(moved.getStatus().attempts).isEqualTo(2);
    assertThat(moved.getStatus().failures).isEqualTo(1);
    assertThat(
            cluster
                .kubectl(
                    "admin", "get", "events", "--field-selector", "involvedObject.name=homeless")
                .ok()
                .out())
        .contains("SifNode " + gone + " was deleted");
    victim.term();
    victim.start(); // registers its SifNode again
    await("the lost attempt's container removed", () -> containersOf(victim, uid) == 0);
    cluster.kubectl("admin", "delete", "sifrun", "homeless", "--timeout=90s").ok();
  }

  @Test
  @Order(30)
  void aLostNodeFailsItsAttemptAndTheRunMovesToTheOtherNode() throws Exception {
    apply("mover", "  source: " + source + "\n  args: ['sleep 600']\n");
    SifRun r = awaitRun("mover", x -> x.getStatus().phase == SifRunStatus.Phase.Running, "Running");
    String lost = r.getStatus().node;
    SifletDaemon victim = lost.equals("node-a") ? nodeA : nodeB;
    victim.kill9();
    SifRun moved =
        awaitRun(
            "mover",
            x ->
                x.getStatus().phase == SifRunStatus.Phase.Running
                    && x.getStatus().node != null
                    && !x.getStatus().node.equals(lost),
            "Running on the other node");
    assertThat(moved.getStatus().failures).isEqualTo(1);
    assertThat(moved.getStatus().attempts).isEqualTo(2);
    try (KubernetesClient k = cluster.client("admin")) {
      SifNode n = k.resources(SifNode.class).withName(lost).get();
      assertThat(n.getStatus().conditions)
          .anyMatch(
              c ->
                  c.getType().equals("Ready")
                      && c.getStatus().equals("False")
                      && c.getReason().equals("NodeLeaseExpired"));
    }
    // The node comes back with the lost attempt still running: the operator removes it.
    String uid = moved.getMetadata().getUid();
    assertThat(victim.stateDir.resolve("records/sr-" + uid + "-1.json"))
        .as("the lost attempt is still recorded on the dead node")
        .exists();
    victim.start();
    await("the lost attempt's container removed", () -> containersOf(victim, uid) == 0);
    cluster.kubectl("admin", "delete", "sifrun", "mover", "--timeout=90s").ok();
  }

  private static String leaseHolder() throws Exception {
    return cluster
        .kubectl(
            "admin",
            "get",
            "lease",
            "sifkube-operator",
            "-n",
            "sifkube-system",
            "-o",
            "jsonpath={.spec.holderIdentity}")
        .ok()
        .out()
        .strip();
  }

  @Test
  @Order(40)
  void twoReplicasRunOneLeaderAndTheOtherTakesOver() throws Exception {
    String first = leaseHolder();
    assertThat(first).endsWith("-" + operator.pid());
    Process second = startOperator();
    try {
      apply("led", "  source: " + source + "\n  args: ['echo one']\n");
      awaitRun("led", x -> x.getStatus().phase == SifRunStatus.Phase.Succeeded, "Succeeded");
      assertThat(leaseHolder()).as("the first replica still leads").isEqualTo(first);
      operator.destroyForcibly().waitFor();
      await("the second replica takes the lease", () -> leaseHolder().endsWith("-" + second.pid()));
      apply("after", "  source: " + source + "\n  args: ['echo two']\n");
      SifRun r =
          awaitRun("after", x -> x.getStatus().phase == SifRunStatus.Phase.Succeeded, "Succeeded");
      assertThat(r.getStatus().outputTail).isEqualTo("two\n");
    } finally {
      operator = second; // the teardown stops it
    }
  }
}
