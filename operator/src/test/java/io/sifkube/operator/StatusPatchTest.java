package io.sifkube.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.sifkube.api.v1alpha1.SifImageStatus;
import io.sifkube.api.v1alpha1.SifNodeStatus;
import io.sifkube.api.v1alpha1.SifRun;
import io.sifkube.api.v1alpha1.SifRunStatus;
import java.util.List;
import org.junit.jupiter.api.Test;

class StatusPatchTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private final StatusPatch<?, SifRunStatus> runs = new StatusPatch<>(SifRunStatus.class);

  private static SifRunStatus running() {
    SifRunStatus s = new SifRunStatus();
    s.phase = SifRunStatus.Phase.Running;
    s.node = "node-a";
    s.containerID = "sr-1-1";
    s.attempts = 1;
    return s;
  }

  @Test
  void onlyTheFieldsTheReconcileChangedAreSentAndAnUnsetOneAsNull() throws Exception {
    SifRunStatus s = running();
    JsonNode was = runs.tree(s);
    s.phase = SifRunStatus.Phase.Pending; // the attempt failed: its node and container are given up
    s.reason = "NodeLost";
    s.node = null;
    s.containerID = null;

    var changes = runs.changes(s, was);
    JsonNode body = JSON.readTree(StatusPatch.body(changes));
    assertThat(body.size()).isEqualTo(1);
    JsonNode status = body.get("status");
    assertThat(status.get("phase").asText()).isEqualTo("Pending");
    assertThat(status.get("reason").asText()).isEqualTo("NodeLost");
    assertThat(status.get("node").isNull()).isTrue();
    assertThat(status.get("containerID").isNull()).isTrue();
    // untouched: left as the server has them, even if this copy was a write behind
    assertThat(status.has("attempts")).isFalse();
    assertThat(status.has("conditions")).isFalse();
    assertThat(status.has("exitCode")).isFalse();
  }

  @Test
  void aChangedListIsSentWholeWithoutItsElementsNulls() throws Exception {
    var images = new StatusPatch<>(SifImageStatus.class);
    SifImageStatus s = new SifImageStatus();
    JsonNode was = images.tree(s);
    SifImageStatus.Signer signer = new SifImageStatus.Signer();
    signer.kind = "pgp";
    signer.id = "ABCD";
    s.signers = List.of(signer);

    JsonNode status = images.changes(s, was);
    assertThat(status.size()).isEqualTo(1);
    assertThat(status.get("signers")).hasSize(1);
    assertThat(status.get("signers").get(0).get("id").asText()).isEqualTo("ABCD");
    assertThat(status.get("signers").get(0).has("name")).isFalse();
  }

  @Test
  void aNodesConditionsAloneAreSentLeavingWhatTheSifletWroteAlone() {
    // The operator's copy had no status yet; the siflet may have written runtime and capacity.
    var nodes = new StatusPatch<>(SifNodeStatus.class);
    SifNodeStatus s = new SifNodeStatus();
    JsonNode was = nodes.tree(s);
    s.conditions.add(
        new ConditionBuilder().withType("Ready").withStatus("False").withReason("X").build());
    JsonNode status = nodes.changes(s, was);
    assertThat(status.size()).isEqualTo(1);
    assertThat(status.get("conditions").get(0).get("status").asText()).isEqualTo("False");
  }

  @Test
  void anUnchangedStatusIsNotAChange() {
    SifRunStatus s = running();
    JsonNode was = runs.tree(s);
    assertThat(runs.changes(running(), was).isEmpty()).isTrue();
    s.exitCode = 0;
    assertThat(runs.changes(s, was).isEmpty()).isFalse();
  }

  private static SifRun run() {
    SifRun r = new SifRun();
    r.setMetadata(new ObjectMetaBuilder().withNamespace("team-a").withName("job").build());
    r.setStatus(running());
    return r;
  }

  @Test
  void theStatusIsPatchedInOneMergePatchRequestAndTheAnswerReturned() throws Exception {
    SifRun answer = run();
    answer.getMetadata().setResourceVersion("42");
    answer.getStatus().phase = SifRunStatus.Phase.Succeeded;
    try (FakeApiServer api = new FakeApiServer(200, JSON.writeValueAsString(answer));
        KubernetesClient client = api.client()) {
      String body = "{\"status\":{\"phase\":\"Succeeded\"}}";
      SifRun got = StatusPatch.send(client, run(), body);
      assertThat(api.seen)
          .containsExactly(
              "PATCH",
              "/apis/sifkube.io/v1alpha1/namespaces/team-a/sifruns/job/status",
              "application/merge-patch+json",
              body);
      assertThat(got.getMetadata().getResourceVersion()).isEqualTo("42");
      assertThat(got.getStatus().phase).isEqualTo(SifRunStatus.Phase.Succeeded);
    }
  }

  @Test
  void aRefusedPatchThrowsTheServersStatusNamingTheRun() throws Exception {
    String status =
        "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\","
            + "\"message\":\"sifruns.sifkube.io \\\"job\\\" not found\",\"reason\":\"NotFound\","
            + "\"code\":404}";
    try (FakeApiServer api = new FakeApiServer(404, status);
        KubernetesClient client = api.client()) {
      assertThatThrownBy(() -> StatusPatch.send(client, run(), "{}"))
          .isInstanceOfSatisfying(
              KubernetesClientException.class,
              e -> {
                assertThat(e.getCode()).isEqualTo(404);
                assertThat(e.getStatus().getReason()).isEqualTo("NotFound");
                assertThat(e.getMessage())
                    .contains("patching the status of sifruns team-a/job: 404")
                    .contains("not found");
              });
    }
  }

  @Test
  void aRefusalWithoutABodyThrowsTheCodeNamingTheRun() throws Exception {
    try (FakeApiServer api = new FakeApiServer(503, "");
        KubernetesClient client = api.client()) {
      assertThatThrownBy(() -> StatusPatch.send(client, run(), "{}"))
          .isInstanceOfSatisfying(
              KubernetesClientException.class,
              e -> {
                assertThat(e.getCode()).isEqualTo(503);
                assertThat(e.getMessage())
                    .contains("patching the status of sifruns team-a/job: 503");
              });
    }
  }

  @Test
  void aServerThatDoesNotAnswerIsGivenUpAfterTheRequestTimeout() throws Exception {
    try (FakeApiServer api = new FakeApiServer(200, "{}");
        KubernetesClient client = api.client(300)) {
      api.delayMillis = 10_000;
      long t0 = System.nanoTime();
      assertThatThrownBy(() -> StatusPatch.send(client, run(), "{}"))
          .isInstanceOf(KubernetesClientException.class);
      assertThat((System.nanoTime() - t0) / 1_000_000).isLessThan(5_000);
    }
  }
}
