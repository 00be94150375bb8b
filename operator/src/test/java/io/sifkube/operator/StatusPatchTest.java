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

  @Test
  void everyUnsetFieldIsSentAsNullSoTheServerDropsIt() throws Exception {
    SifRunStatus s = new SifRunStatus();
    s.phase = SifRunStatus.Phase.Pending;
    s.reason = "NodeLost";
    s.node = null; // was set on the server: the attempt's node is given up
    JsonNode body = JSON.readTree(new StatusPatch<>(SifRunStatus.class).body(s));

    JsonNode status = body.get("status");
    assertThat(body.size()).isEqualTo(1);
    assertThat(status.get("phase").asText()).isEqualTo("Pending");
    assertThat(status.get("reason").asText()).isEqualTo("NodeLost");
    for (String cleared : List.of("node", "containerID", "ranks", "exitCode", "startTime")) {
      assertThat(status.has(cleared)).as(cleared).isTrue();
      assertThat(status.get(cleared).isNull()).as(cleared).isTrue();
    }
    assertThat(status.get("conditions").isArray()).isTrue(); // a list is replaced whole
  }

  @Test
  void listsAreSentWholeAndNestedNullsLeftOut() throws Exception {
    SifImageStatus s = new SifImageStatus();
    SifImageStatus.Signer signer = new SifImageStatus.Signer();
    signer.kind = "pgp";
    signer.id = "ABCD";
    s.signers = List.of(signer);
    JsonNode status = JSON.readTree(new StatusPatch<>(SifImageStatus.class).body(s)).get("status");

    assertThat(status.get("signers")).hasSize(1);
    assertThat(status.get("signers").get(0).has("name")).isFalse();
    assertThat(status.get("manifestDigest").isNull()).isTrue();
  }

  @Test
  void equalStatusesHaveEqualTreesAndAChangeShows() {
    var patch = new StatusPatch<>(SifRunStatus.class);
    SifRunStatus a = new SifRunStatus();
    a.phase = SifRunStatus.Phase.Running;
    SifRunStatus b = new SifRunStatus();
    b.phase = SifRunStatus.Phase.Running;
    assertThat(patch.tree(a)).isEqualTo(patch.tree(b));
    b.exitCode = 0;
    assertThat(patch.tree(a)).isNotEqualTo(patch.tree(b));
  }
}
