package io.sifkube.operator.run;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.sifkube.api.v1alpha1.SifRun;
import io.sifkube.operator.FakeApiServer;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class RunEventsTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  private static SifRun run() {
    SifRun r = new SifRun();
    r.setMetadata(
        new ObjectMetaBuilder().withNamespace("team-a").withName("job").withUid("u-1").build());
    return r;
  }

  /** Waits until the server has seen {@code requests} requests (four entries each). */
  private static void awaitRequests(FakeApiServer api, int requests) throws InterruptedException {
    Instant end = Instant.now().plus(Duration.ofSeconds(10));
    while (api.seen.size() < 4 * requests && Instant.now().isBefore(end)) {
      Thread.sleep(10);
    }
    assertThat(api.seen).hasSize(4 * requests);
  }

  @Test
  void anEventIsOnePostOfTheEventNamingTheRun() throws Exception {
    try (FakeApiServer api = new FakeApiServer(201, "{}");
        KubernetesClient client = api.client();
        RunEvents events = new RunEvents(client)) {
      events.normal(run(), "Started", "attempt 1 started on node-a");
      awaitRequests(api, 1);
      assertThat(api.seen.subList(0, 3))
          .containsExactly("POST", "/api/v1/namespaces/team-a/events", "application/json");
      JsonNode e = JSON.readTree(api.seen.get(3));
      assertThat(e.get("kind").asText()).isEqualTo("Event");
      assertThat(e.at("/metadata/name").asText()).startsWith("job.");
      assertThat(e.at("/metadata/namespace").asText()).isEqualTo("team-a");
      assertThat(e.at("/involvedObject/kind").asText()).isEqualTo("SifRun");
      assertThat(e.at("/involvedObject/apiVersion").asText()).isEqualTo("sifkube.io/v1alpha1");
      assertThat(e.at("/involvedObject/name").asText()).isEqualTo("job");
      assertThat(e.at("/involvedObject/uid").asText()).isEqualTo("u-1");
      assertThat(e.get("reason").asText()).isEqualTo("Started");
      assertThat(e.get("message").asText()).isEqualTo("attempt 1 started on node-a");
      assertThat(e.get("type").asText()).isEqualTo("Normal");
      assertThat(e.get("count").asInt()).isEqualTo(1);
      assertThat(e.at("/source/component").asText()).isEqualTo("sifkube-operator");
      assertThat(e.get("firstTimestamp").asText()).isEqualTo(e.get("lastTimestamp").asText());
    }
  }

  @Test
  void aRefusedEventDoesNotStopTheNext() throws Exception {
    String forbidden =
        "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\","
            + "\"message\":\"events is forbidden\",\"reason\":\"Forbidden\",\"code\":403}";
    try (FakeApiServer api = new FakeApiServer(403, forbidden);
        KubernetesClient client = api.client();
        RunEvents events = new RunEvents(client)) {
      events.warning(run(), "NodeLost", "gone");
      events.normal(run(), "Succeeded", "exit 0");
      awaitRequests(api, 2);
      assertThat(JSON.readTree(api.seen.get(3)).get("type").asText()).isEqualTo("Warning");
      assertThat(JSON.readTree(api.seen.get(7)).get("reason").asText()).isEqualTo("Succeeded");
    }
  }

  @Test
  void anEventTheServerNeverAnswersIsGivenUpAndTheNextSent() throws Exception {
    try (FakeApiServer api = new FakeApiServer(201, "{}");
        KubernetesClient client = api.client(300);
        RunEvents events = new RunEvents(client)) {
      api.delayMillis = 60_000;
      events.normal(run(), "Started", "first");
      awaitRequests(api, 1);
      api.delayMillis = 0;
      events.normal(run(), "Succeeded", "second");
      awaitRequests(api, 2);
      assertThat(JSON.readTree(api.seen.get(7)).get("message").asText()).isEqualTo("second");
    }
  }
}
