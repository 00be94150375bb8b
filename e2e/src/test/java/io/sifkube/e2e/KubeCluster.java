package io.sifkube.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;

/**
 * The local control plane of hack/local-cluster.sh (etcd, kube-apiserver, kube-controller-manager
 * on loopback, token auth, RBAC) for tests, with kubectl and fabric8 clients per user.
 */
final class KubeCluster implements AutoCloseable {

  final Path dir;
  private final Properties env = new Properties();

  private KubeCluster(Path dir) {
    this.dir = dir;
  }

  /** Starts a control plane in {@code dir} with tokens for {@code users} (and admin). */
  static KubeCluster up(Path dir, String... users) throws Exception {
    KubeCluster c = new KubeCluster(dir);
    Launcher.Result r =
        Launcher.exec(
            List.of(
                Launcher.repoRoot().resolve("hack/local-cluster.sh").toString(),
                "up",
                dir.toString()),
            Map.of("CLUSTER_USERS", String.join(" ", users)));
    assertThat(r.status()).as("local-cluster up: %s %s", r.out(), r.err()).isZero();
    try (var in = Files.newInputStream(dir.resolve("cluster.env"))) {
      c.env.load(in);
    }
    return c;
  }

  /** A cluster some script started in {@code dir} (its cluster.env); close() stops it. */
  static KubeCluster attach(Path dir) throws IOException {
    KubeCluster c = new KubeCluster(dir);
    try (var in = Files.newInputStream(dir.resolve("cluster.env"))) {
      c.env.load(in);
    }
    return c;
  }

  Path kubeconfig(String user) {
    return dir.resolve(user + ".kubeconfig");
  }

  /** A fabric8 client acting as {@code user}. */
  KubernetesClient client(String user) throws IOException {
    Config config = Config.fromKubeconfig(Files.readString(kubeconfig(user)));
    return new KubernetesClientBuilder().withConfig(config).build();
  }

  /** The events of the object {@code name} in namespace default, as "reason: message". */
  List<String> eventsOf(String name) throws IOException {
    try (KubernetesClient k = client("admin")) {
      return k.v1().events().inNamespace("default").list().getItems().stream()
          .filter(e -> e.getInvolvedObject().getName().equals(name))
          .map(e -> e.getReason() + ": " + e.getMessage())
          .toList();
    }
  }

  /** Runs kubectl (built from the same source as the server) as {@code user}. */
  Launcher.Result kubectl(String user, String... args) throws Exception {
    List<String> cmd = new ArrayList<>();
    cmd.add(env.getProperty("KUBECTL"));
    cmd.add("--kubeconfig");
    cmd.add(kubeconfig(user).toString());
    cmd.addAll(List.of(args));
    return Launcher.exec(cmd);
  }

  /** kubectl as admin, with a manifest on stdin ({@code apply -f -}, {@code create -f -}). */
  Launcher.Result kubectlStdin(String yaml, String... args) throws Exception {
    Path f = Files.createTempFile(dir, "manifest", ".yaml");
    Files.writeString(f, yaml);
    List<String> a = new ArrayList<>(List.of(args));
    a.add("-f");
    a.add(f.toString());
    return kubectl("admin", a.toArray(String[]::new));
  }

  /**
   * The requests {@code users} made that the API server received in [{@code from}, {@code to}),
   * from its audit log, counted by "user verb resource" (a watch counts when it starts).
   */
  Map<String, Long> requests(Set<String> users, Instant from, Instant to) throws IOException {
    Map<String, Long> out = new TreeMap<>();
    com.fasterxml.jackson.databind.ObjectMapper json =
        new com.fasterxml.jackson.databind.ObjectMapper();
    for (String line : Files.readAllLines(dir.resolve("audit.log"))) {
      var e = json.readTree(line);
      String verb = e.path("verb").asText();
      String stage = e.path("stage").asText();
      boolean counted =
          verb.equals("watch") ? stage.equals("ResponseStarted") : stage.equals("ResponseComplete");
      String user = e.path("user").path("username").asText();
      Instant at = Instant.parse(e.path("requestReceivedTimestamp").asText());
      if (counted && users.contains(user) && !at.isBefore(from) && at.isBefore(to)) {
        String resource =
            e.path("objectRef").path("resource").asText(e.path("requestURI").asText());
        out.merge(user + " " + verb + " " + resource, 1L, Long::sum);
      }
    }
    return out;
  }

  /** The CRDs of {@code crds/}: the generated files, in the order they may be applied. */
  static final List<String> CRDS =
      List.of("sifimages.sifkube.io", "sifruns.sifkube.io", "sifnodes.sifkube.io");

  /** Applies the committed CRDs of {@code crds/} and waits until the server serves them. */
  void installCrds() throws Exception {
    for (String crd : CRDS) {
      Path f = Launcher.repoRoot().resolve("crds").resolve(crd + "-v1.yml");
      kubectl("admin", "apply", "-f", f.toString()).ok();
    }
    awaitCrds();
  }

  /**
   * Sifkube as its operator and siflets need it: the CRDs, deploy/rbac.yaml, the sifkube-system
   * namespace, the operator's ClusterRole bound to user sifkube-operator and siflet's to each of
   * {@code sifletUsers} (each runs under its own role, not cluster-admin).
   */
  void installSifkube(String... sifletUsers) throws Exception {
    installCrds();
    kubectl("admin", "apply", "-f", Launcher.repoRoot().resolve("deploy/rbac.yaml").toString())
        .ok();
    kubectl("admin", "create", "namespace", "sifkube-system").ok();
    kubectl(
            "admin",
            "create",
            "clusterrolebinding",
            "sifkube-operator",
            "--clusterrole=sifkube-operator",
            "--user=sifkube-operator")
        .ok();
    List<String> siflets =
        new ArrayList<>(
            List.of(
                "create", "clusterrolebinding", "sifkube-siflet", "--clusterrole=sifkube-siflet"));
    for (String u : sifletUsers) {
      siflets.add("--user=" + u);
    }
    kubectl("admin", siflets.toArray(String[]::new)).ok();
  }

  /** Waits until the server serves Sifkube's CRDs (condition Established). */
  void awaitCrds() throws Exception {
    List<String> args =
        new ArrayList<>(List.of("wait", "--for", "condition=established", "--timeout", "60s"));
    CRDS.forEach(c -> args.add("crd/" + c));
    kubectl("admin", args.toArray(String[]::new)).ok();
  }

  @Override
  public void close() throws Exception {
    Launcher.exec(
        List.of(
            Launcher.repoRoot().resolve("hack/local-cluster.sh").toString(),
            "down",
            dir.toString()));
  }
}
