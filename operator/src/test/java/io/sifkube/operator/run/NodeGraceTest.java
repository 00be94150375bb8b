package io.sifkube.operator.run;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ConditionBuilder;
import io.sifkube.api.v1alpha1.SifNode;
import io.sifkube.api.v1alpha1.SifNodeStatus;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class NodeGraceTest {

  private static final Instant T = Instant.parse("2026-12-07T05:00:00Z");
  private final NodeGrace grace = new NodeGrace(Duration.ofSeconds(300));

  private static SifNode node(String ready, String since) {
    SifNode n = new SifNode();
    n.setStatus(new SifNodeStatus());
    if (ready != null) {
      n.getStatus()
          .conditions
          .add(
              new ConditionBuilder()
                  .withType("Ready")
                  .withStatus(ready)
                  .withReason("NodeLeaseExpired")
                  .withLastTransitionTime(since)
                  .build());
    }
    return n;
  }

  @Test
  void aReadyNodeIsNeverLost() {
    SifNode ready = node("True", T.toString());
    assertThat(grace.lostAt(ready)).isNull();
    assertThat(grace.lost(ready, T.plus(Duration.ofDays(1)))).isFalse();
  }

  @Test
  void aNotReadyNodeIsLostOnlyOnceTheGraceHasPassed() {
    SifNode down = node("False", T.toString());
    assertThat(grace.lostAt(down)).isEqualTo(T.plusSeconds(300));
    assertThat(grace.lost(down, T)).isFalse();
    assertThat(grace.lost(down, T.plusSeconds(299))).isFalse();
    assertThat(grace.lost(down, T.plusSeconds(300))).isTrue();
    assertThat(new NodeGrace(Duration.ZERO).lost(down, T)).as("no grace").isTrue();
  }

  @Test
  void aGraceBeyondTheCalendarNeverEnds() {
    NodeGrace forever = new NodeGrace(Duration.ofSeconds(Long.MAX_VALUE));
    assertThat(forever.lostAt(node("False", T.toString()))).isEqualTo(Instant.MAX);
    assertThat(forever.lost(node("False", T.toString()), T.plus(Duration.ofDays(36500)))).isFalse();
  }

  @Test
  void aGoneNodeOrOneWithoutAReadyTimeIsLostAtOnce() {
    assertThat(grace.lost(null, T)).as("deleted SifNode").isTrue();
    assertThat(grace.lost(new SifNode(), T)).as("no status").isTrue();
    assertThat(grace.lost(node(null, null), T)).as("no Ready condition").isTrue();
    assertThat(grace.lost(node("False", null), T)).as("no transition time").isTrue();
    assertThat(grace.lost(node("False", "yesterday"), T)).as("unreadable time").isTrue();
  }
}
