package io.sifkube.operator;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sifkube.api.v1alpha1.SifImageStatus;
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
  void anUnchangedStatusIsNotAChange() {
    SifRunStatus s = running();
    JsonNode was = runs.tree(s);
    assertThat(runs.changes(running(), was).isEmpty()).isTrue();
    s.exitCode = 0;
    assertThat(runs.changes(s, was).isEmpty()).isFalse();
  }
}
