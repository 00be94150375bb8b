package io.sifkube.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.http.HttpClient;
import io.fabric8.kubernetes.client.okhttp.OkHttpClientFactory;
import io.fabric8.kubernetes.client.okhttp.OkHttpClientImpl;
import io.sifkube.api.v1alpha1.SifRun;
import io.sifkube.api.v1alpha1.SifRunSpec;
import io.sifkube.api.v1alpha1.SifRunStatus;
import io.sifkube.operator.KubeHttpClients;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The generated CRDs on a real kube-apiserver: they install, `kubectl explain` describes every
 * field, the schema refuses invalid objects naming the field, printer columns and short names work,
 * and the status subresource is separate from the spec.
 */
class CrdsIT {

  @TempDir static Path dir;
  private static KubeCluster cluster;

  @BeforeAll
  static void setUp() throws Exception {
    cluster = KubeCluster.up(dir.resolve("cluster"), "nobody");
    cluster.installCrds();
  }

  @AfterAll
  static void tearDown() throws Exception {
    if (cluster != null) {
      cluster.close();
    }
  }

  /**
   * The operator's API client (KubeHttpClients, fabric8's OkHttp client) offers ChaCha20-Poly1305
   * first (ApiServerTls: cheaper than AES-GCM on C1) and the real API server takes it; fabric8's
   * own OkHttp client, with the JDK's order, gets AES-GCM, so the order is what decides.
   */
  @Test
  void theApiServerTakesChaCha20WhenTheOperatorOffersItFirst() throws Exception {
    Config config = Config.fromKubeconfig(Files.readString(cluster.kubeconfig("admin")));
    assertThat(cipher(config, new KubeHttpClients())).isEqualTo("TLS_CHACHA20_POLY1305_SHA256");
    assertThat(cipher(config, new OkHttpClientFactory())).startsWith("TLS_AES_");
  }

  /** The suite of a new session (a client of its own: no resumption of an earlier one). */
  private static String cipher(Config config, OkHttpClientFactory clients) throws Exception {
    HttpClient.Builder builder = clients.newBuilder(config); // its class is package-private
    OkHttpClientImpl http = (OkHttpClientImpl) builder.build();
    String version = URI.create(config.getMasterUrl()).resolve("/version").toString();
    try (Response r =
        http.getOkHttpClient().newCall(new Request.Builder().url(version).build()).execute()) {
      // fabric8 adds the credentials above OkHttp, so this bare request may be refused (401 from
      // the local control plane); the TLS session, all this asks about, came first
      assertThat(r.handshake()).as(version).isNotNull();
      return r.handshake().cipherSuite().javaName();
    } finally {
      http.close();
    }
  }

  @Test
  void kubectlExplainDescribesTheFields() throws Exception {
    String spec = cluster.kubectl("admin", "explain", "sifrun.spec").ok().out();
    assertThat(spec)
        .contains("What the run executes and how")
        .contains("backoffLimit")
        .contains("Failed attempts to retry before the run is Failed");
    assertThat(cluster.kubectl("admin", "explain", "sifnode.status.conditions").ok().out())
        .contains("Ready, after Kubernetes conventions");
  }

  @Test
  void theSchemaRefusesInvalidObjectsNamingTheField() throws Exception {
    Launcher.Result neg =
        cluster.kubectlStdin(
            "apiVersion: sifkube.io/v1alpha1\nkind: SifRun\nmetadata: {name: neg}\n"
                + "spec: {source: 'docker://x/y:1', backoffLimit: -1}\n",
            "apply",
            "--validate=false"); // the API server's schema must refuse it, not only kubectl
    assertThat(neg.status()).isNotZero();
    assertThat(neg.err()).contains("spec.backoffLimit").contains("greater than or equal to 0");

    Launcher.Result scheme =
        cluster.kubectlStdin(
            "apiVersion: sifkube.io/v1alpha1\nkind: SifImage\nmetadata: {name: ftp}\n"
                + "spec: {source: 'ftp://host/x'}\n",
            "apply",
            "--validate=false");
    assertThat(scheme.status()).isNotZero();
    assertThat(scheme.err()).contains("spec.source");

    Launcher.Result missing =
        cluster.kubectlStdin(
            "apiVersion: sifkube.io/v1alpha1\nkind: SifNode\nmetadata: {name: node-x}\nspec: {}\n",
            "apply",
            "--validate=false");
    assertThat(missing.status()).isNotZero();
    assertThat(missing.err()).contains("spec.address").contains("Required value");
  }

  @Test
  void sifRunsTheSchemaCanRefuseAreRefusedBeforeAnythingIsStored() throws Exception {
    String src = "source: 'docker://x/y:1'";
    // spec → what the API server must say, naming the field
    String oneOf = "\"spec\" must validate one and only one schema (oneOf)";
    Map<String, String> bad = new LinkedHashMap<>();
    bad.put("{args: ['true']}", oneOf + ". Found none valid");
    bad.put("{image: img, " + src + "}", oneOf + ". Found 2 valid alternatives");
    bad.put(
        "{" + src + ", capabilities: {add: [CAP_CHOWN, cap_chown]}}",
        iv("spec.capabilities.add", "\"cap_chown\""));
    bad.put(
        "{" + src + ", capabilities: {drop: [NET_ADMIN]}}",
        iv("spec.capabilities.drop", "\"NET_ADMIN\""));
    bad.put("{" + src + ", resources: {cpu: '0'}}", iv("spec.resources.cpu", "\"0\""));
    bad.put("{" + src + ", resources: {cpu: 0}}", iv("spec.resources.cpu", "0"));
    bad.put("{" + src + ", resources: {memory: '-1Gi'}}", iv("spec.resources.memory", "\"-1Gi\""));
    bad.put("{" + src + ", resources: {memory: 'lots'}}", iv("spec.resources.memory", "\"lots\""));
    bad.put(
        "{" + src + ", resources: {memory: '0.0Mi'}}", iv("spec.resources.memory", "\"0.0Mi\""));
    bad.put("{" + src + ", resources: {pids: 0}}", iv("spec.resources.pids", "0"));
    bad.put("{" + src + ", binds: [{hostPath: data}]}", iv("spec.binds.hostPath", "\"data\""));
    bad.put(
        "{" + src + ", binds: [{hostPath: /data/../etc}]}",
        iv("spec.binds.hostPath", "\"/data/../etc\""));
    bad.put(
        "{" + src + ", binds: [{hostPath: /d, mountPath: ./x}]}",
        iv("spec.binds.mountPath", "\"./x\""));
    bad.put("{" + src + ", overlay: [/o/x:rw]}", iv("spec.overlay", "\"/o/x:rw\""));
    bad.put("{" + src + ", devices: [/dev/nvidia0]}", iv("spec.devices", "\"/dev/nvidia0\""));
    int i = 0;
    for (Map.Entry<String, String> e : bad.entrySet()) {
      Launcher.Result r = applyRun("bad-" + i++, e.getKey());
      assertThat(r.status()).as("refused: %s", e.getKey()).isNotZero();
      assertThat(r.err()).as("for %s", e.getKey()).contains(e.getValue());
    }
    assertThat(cluster.kubectl("admin", "get", "sifruns", "-o", "name").ok().out())
        .as("nothing stored")
        .doesNotContain("/bad-");

    // what a user writes every day still goes in
    for (String good :
        List.of(
            "{image: img, capabilities: {add: [CAP_SYS_PTRACE], drop: [CAP_NET_RAW]}}",
            "{" + src + ", resources: {cpu: '500m', memory: '1.5Gi', pids: 100}}",
            "{" + src + ", resources: {cpu: 2, memory: 1e9}}",
            "{" + src + ", binds: [{hostPath: /, mountPath: /.host}, {hostPath: /scratch/..a}]}",
            "{" + src + ", overlay: [/o/x, /o/y.sqfs:ro], devices: [nvidia.com/gpu=0:1]}")) {
      Launcher.Result r = applyRun("good", good);
      assertThat(r.status()).as("accepted: %s\n%s", good, r.err()).isZero();
      cluster.kubectl("admin", "delete", "sifrun", "good").ok();
    }
  }

  /** How a 1.20 API server names a refused field and value (lists without the index). */
  private static String iv(String field, String value) {
    return field + ": Invalid value: " + value + ": " + field + " in body should";
  }

  private static Launcher.Result applyRun(String name, String spec) throws Exception {
    return cluster.kubectlStdin(
        "apiVersion: sifkube.io/v1alpha1\nkind: SifRun\nmetadata: {name: "
            + name
            + "}\nspec: "
            + spec
            + "\n",
        "apply",
        "--validate=false");
  }

  @Test
  void printerColumnsShortNamesAndTheStatusSubresource() throws Exception {
    cluster
        .kubectlStdin(
            "apiVersion: sifkube.io/v1alpha1\nkind: SifRun\nmetadata: {name: hello}\n"
                + "spec:\n  source: docker://registry.example/hello:1\n  args: [echo, hi]\n"
                + "  backoffLimit: 2\n",
            "apply")
        .ok();
    try (KubernetesClient k = cluster.client("admin")) {
      SifRun run = k.resources(SifRun.class).inNamespace("default").withName("hello").get();
      assertThat(run.getSpec().args).containsExactly("echo", "hi");
      run.setStatus(new SifRunStatus());
      run.getStatus().phase = SifRunStatus.Phase.Running;
      run.getStatus().node = "node-a";
      run.getStatus().attempts = 1;
      k.resources(SifRun.class).inNamespace("default").resource(run).updateStatus();

      // A spec update does not touch the status, and the status update did not touch the spec.
      SifRun again = k.resources(SifRun.class).inNamespace("default").withName("hello").get();
      assertThat(again.getStatus().phase).isEqualTo(SifRunStatus.Phase.Running);
      assertThat(again.getMetadata().getGeneration()).isEqualTo(1L);

      SifRun typed = new SifRun();
      typed.setMetadata(new ObjectMetaBuilder().withName("typed").build());
      typed.setSpec(new SifRunSpec());
      typed.getSpec().image = "hello-image";
      k.resources(SifRun.class).inNamespace("default").resource(typed).create();
    }
    String table = cluster.kubectl("admin", "get", "sr").ok().out();
    assertThat(table.lines().findFirst().orElseThrow().split("\\s+"))
        .containsExactly("NAME", "PHASE", "NODE", "RANKS", "EXIT", "ATTEMPTS", "AGE");
    assertThat(table).containsPattern("hello\\s+Running\\s+node-a\\s+1\\s+");
    assertThat(table).contains("typed");
  }

  @Test
  void rbacIsEnforced() throws Exception {
    Launcher.Result r = cluster.kubectl("nobody", "get", "sifruns");
    assertThat(r.status()).isNotZero();
    assertThat(r.err()).contains("forbidden");
  }
}
