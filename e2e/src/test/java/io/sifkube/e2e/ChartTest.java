package io.sifkube.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import com.marcnuri.helm.TemplateCommand;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The Helm chart through real Helm (helm-java): it lints, renders what a platform engineer expects
 * (least-privilege RBAC equal to deploy/rbac.yaml, the CRDs of crds/, a non-root operator, a
 * privileged node DaemonSet wired to its node), and its schema refuses bad values naming them.
 */
class ChartTest {

  private static final Path CHART = Launcher.repoRoot().resolve("charts/sifkube");
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  private static List<JsonNode> render(UnaryOperator<TemplateCommand> values) throws Exception {
    String out =
        values
            .apply(new Helm(CHART).template().withName("hpc").withNamespace("sifkube-system"))
            .call();
    List<JsonNode> docs = new ArrayList<>();
    for (String doc : out.split("(?m)^---\\s*$")) {
      JsonNode n = YAML.readTree(doc);
      if (n != null && n.has("kind")) {
        docs.add(n);
      }
    }
    return docs;
  }

  private static JsonNode only(List<JsonNode> docs, String kind) {
    List<JsonNode> k = docs.stream().filter(d -> d.get("kind").asText().equals(kind)).toList();
    assertThat(k).as(kind).hasSize(1);
    return k.get(0);
  }

  private static List<String> args(JsonNode workload) {
    List<String> a = new ArrayList<>();
    workload.at("/spec/template/spec/containers/0/args").forEach(x -> a.add(x.asText()));
    return a;
  }

  /** docs/gitops.md shows the Argo CD health check the chart ships, for both kinds, verbatim. */
  @Test
  void theArgoCdHealthCheckInTheDocsIsTheOneShipped() throws Exception {
    String lua = java.nio.file.Files.readString(CHART.resolve("files/argocd-health.lua"));
    String docs = java.nio.file.Files.readString(Launcher.repoRoot().resolve("docs/gitops.md"));
    JsonNode data = YAML.readTree(docs.split("```yaml\n")[1].split("```")[0]).get("data");
    assertThat(data.get("resource.customizations.health.sifkube.io_SifRun").asText())
        .isEqualTo(lua);
    assertThat(data.get("resource.customizations.health.sifkube.io_SifImage").asText())
        .isEqualTo(lua);
  }

  @Test
  void lintsCleanInStrictMode() {
    LintResult r = new Helm(CHART).lint().strict().call();
    assertThat(r.isFailed()).as("%s", r.getMessages()).isFalse();
  }

  @Test
  void rendersTheOperatorNodeRuntimeAndTheirIdentities() throws Exception {
    List<JsonNode> docs = render(t -> t);
    assertThat(docs.stream().map(d -> d.get("kind").asText()).sorted())
        .containsExactly(
            "ClusterRole",
            "ClusterRole",
            "ClusterRoleBinding",
            "ClusterRoleBinding",
            "DaemonSet",
            "Deployment",
            "Role",
            "RoleBinding",
            "Service",
            "ServiceAccount",
            "ServiceAccount");
    JsonNode op = only(docs, "Deployment");
    assertThat(op.at("/spec/replicas").asInt()).isEqualTo(2);
    assertThat(op.at("/spec/template/spec/serviceAccountName").asText())
        .isEqualTo("hpc-sifkube-operator");
    assertThat(op.at("/spec/template/spec/securityContext/runAsNonRoot").asBoolean()).isTrue();
    assertThat(op.at("/spec/template/spec/containers/0/image").asText())
        .isEqualTo("ghcr.io/sifkube/operator:0.1.0");
    // the PMI servers of MPI runs listen on the pod's IP
    assertThat(op.at("/spec/template/spec/containers/0/env"))
        .anyMatch(
            e ->
                e.path("name").asText().equals("POD_IP")
                    && e.at("/valueFrom/fieldRef/fieldPath").asText().equals("status.podIP"));
    assertThat(args(op))
        .contains(
            "--namespace=sifkube-system",
            "--tls-cert=/etc/sifkube/tls/tls.crt",
            "--siflet-server-name=siflet.sifkube.internal",
            "--node-lost-grace=300");

    JsonNode ds = only(docs, "DaemonSet");
    JsonNode pod = ds.at("/spec/template/spec");
    assertThat(pod.at("/hostNetwork").asBoolean()).isTrue();
    assertThat(pod.at("/containers/0/securityContext/privileged").asBoolean()).isTrue();
    assertThat(args(ds))
        .contains(
            "--kubeconfig=in-cluster",
            "--node-name=$(NODE_NAME)",
            "--advertise-address=$(HOST_IP):7443",
            "--lease-namespace=sifkube-system",
            "--runtime=crun",
            "--state-dir=/var/lib/sifkube",
            "--run-dir=/run/sifkube/siflet",
            "--cdi-dirs=/etc/cdi,/var/run/cdi",
            "--allowed-clients=sifkube-operator",
            "--monitor-cgroup=/sifkube-monitors",
            "--daemonset=hpc-sifkube-siflet",
            "--keep-state=false");
    // siflet may read its own DaemonSet (uninstalled or upgraded?) and nothing else of its kind
    JsonNode role = only(docs, "Role");
    assertThat(role.at("/rules").size()).isEqualTo(1);
    assertThat(role.at("/rules/0/resources/0").asText()).isEqualTo("daemonsets");
    assertThat(role.at("/rules/0/resourceNames/0").asText()).isEqualTo("hpc-sifkube-siflet");
    assertThat(role.at("/rules/0/verbs").toString()).isEqualTo("[\"get\"]");
    assertThat(pod.at("/containers/0/env/0/valueFrom/fieldRef/fieldPath").asText())
        .isEqualTo("spec.nodeName");
    // the run dir is shared with the host both ways: mounts siflet makes must reach crun
    JsonNode runMount = null;
    for (JsonNode m : pod.at("/containers/0/volumeMounts")) {
      if (m.get("name").asText().equals("run")) {
        runMount = m;
      }
    }
    assertThat(runMount).isNotNull();
    assertThat(runMount.at("/mountPath").asText()).isEqualTo("/run/sifkube/siflet");
    assertThat(runMount.at("/mountPropagation").asText()).isEqualTo("Bidirectional");
    // the CDI spec directories, read-only, where the host has them
    List<String> cdiMounts = new java.util.ArrayList<>();
    for (JsonNode m : pod.at("/containers/0/volumeMounts")) {
      if (m.get("name").asText().startsWith("cdi-")) {
        assertThat(m.at("/readOnly").asBoolean()).as("%s read-only", m).isTrue();
        cdiMounts.add(m.get("mountPath").asText());
      }
    }
    assertThat(cdiMounts).containsExactly("/etc/cdi", "/var/run/cdi");
    List<String> cdiHostPaths = new java.util.ArrayList<>();
    for (JsonNode v : pod.at("/volumes")) {
      if (v.get("name").asText().startsWith("cdi-")) {
        cdiHostPaths.add(v.at("/hostPath/path").asText());
      }
    }
    assertThat(cdiHostPaths).containsExactly("/etc/cdi", "/var/run/cdi");

    for (JsonNode b : docs) {
      if (b.get("kind").asText().equals("ClusterRoleBinding")) {
        assertThat(b.at("/subjects/0/namespace").asText()).isEqualTo("sifkube-system");
        assertThat(b.at("/subjects/0/name").asText()).isEqualTo(b.at("/roleRef/name").asText());
      }
    }
  }

  @Test
  void clusterRolesGrantExactlyWhatDeployRbacGrants() throws Exception {
    List<JsonNode> rendered =
        render(t -> t).stream().filter(d -> d.get("kind").asText().equals("ClusterRole")).toList();
    List<JsonNode> deploy = new ArrayList<>();
    for (var p :
        YAML.readValues(
                YAML.getFactory()
                    .createParser(Launcher.repoRoot().resolve("deploy/rbac.yaml").toFile()),
                JsonNode.class)
            .readAll()) {
      deploy.add(p);
    }
    assertThat(rendered).hasSize(2);
    for (JsonNode r : rendered) {
      String component = r.at("/metadata/name").asText().replace("hpc-sifkube-", "");
      JsonNode same =
          deploy.stream()
              .filter(d -> d.at("/metadata/name").asText().equals("sifkube-" + component))
              .findFirst()
              .orElseThrow();
      assertThat(r.get("rules")).as(component).isEqualTo(same.get("rules"));
    }
  }

  @Test
  void chartCrdsAreTheGeneratedOnes() throws Exception {
    Path crds = Launcher.repoRoot().resolve("crds");
    List<Path> generated;
    try (Stream<Path> s = Files.list(crds)) {
      generated = s.filter(p -> p.toString().endsWith(".yml")).sorted().toList();
    }
    assertThat(generated).hasSize(3);
    for (Path g : generated) {
      assertThat(CHART.resolve("crds").resolve(g.getFileName()))
          .as(
              "charts/sifkube/crds/%s is stale: SIFKUBE_UPDATE_CRDS=1 mvn -pl crds test",
              g.getFileName())
          .hasSameTextualContentAs(g);
    }
  }

  @Test
  void valuesChangeWhatTheyShould() throws Exception {
    List<JsonNode> docs =
        render(
            t ->
                t.set("siflet.runtime", "runc")
                    .set("siflet.imageDiskBudget", "50g")
                    .set("operator.sifletServerName", "")
                    .set("operator.replicas", 1)
                    .set("operator.nodeLostGraceSeconds", 60));
    assertThat(args(only(docs, "DaemonSet"))).contains("--runtime=runc", "--image-disk-budget=50g");
    assertThat(args(only(docs, "Deployment"))).contains("--node-lost-grace=60");
    assertThat(only(docs, "Deployment").at("/spec/replicas").asInt()).isEqualTo(1);
    assertThat(args(only(docs, "Deployment"))).noneMatch(a -> a.startsWith("--siflet-server-name"));
  }

  /** With cert-manager: distinct certificates, each for its role only, named as siflet expects. */
  @Test
  void certManagerIssuesAClientAndAServerCertificate() throws Exception {
    List<JsonNode> docs = render(t -> t.set("certManager.enabled", true));
    List<JsonNode> certs =
        docs.stream().filter(d -> d.get("kind").asText().equals("Certificate")).toList();
    assertThat(certs).hasSize(2);
    JsonNode op = certs.get(0);
    JsonNode sf = certs.get(1);
    assertThat(op.at("/spec/secretName").asText()).isEqualTo("sifkube-operator-tls");
    assertThat(op.at("/spec/usages").toString())
        .contains("client auth")
        .doesNotContain("server auth");
    assertThat(op.at("/spec/dnsNames/0").asText()).isEqualTo("sifkube-operator");
    assertThat(op.at("/spec/privateKey/encoding").asText()).isEqualTo("PKCS8");
    assertThat(sf.at("/spec/secretName").asText()).isEqualTo("sifkube-siflet-tls");
    assertThat(sf.at("/spec/usages").toString())
        .contains("server auth")
        .doesNotContain("client auth");
    assertThat(sf.at("/spec/dnsNames/0").asText()).isEqualTo("siflet.sifkube.internal");
    assertThat(render(t -> t).stream().map(d -> d.get("kind").asText()))
        .as("off by default")
        .doesNotContain("Certificate");
  }

  @Test
  void badValuesAreRefusedNamingTheField() {
    assertThatThrownBy(() -> render(t -> t.set("siflet.runtime", "docker")))
        .hasMessageContaining("/siflet/runtime")
        .hasMessageContaining("crun");
    assertThatThrownBy(() -> render(t -> t.set("operator.replicas", 0)))
        .hasMessageContaining("/operator/replicas");
    assertThatThrownBy(() -> render(t -> t.set("operator.nodeLostGraceSeconds", -1)))
        .hasMessageContaining("/operator/nodeLostGraceSeconds");
    assertThatThrownBy(() -> render(t -> t.set("siflet.stateDir", "var/lib")))
        .hasMessageContaining("/siflet/stateDir");
    assertThatThrownBy(() -> render(t -> t.set("siflet.cdiDirs[0]", "etc/cdi")))
        .hasMessageContaining("/siflet/cdiDirs/0");
    assertThatThrownBy(() -> render(t -> t.set("siflet.imageDiskBudget", "50GB")))
        .hasMessageContaining("/siflet/imageDiskBudget");
  }
}
