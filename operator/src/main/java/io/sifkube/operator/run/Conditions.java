package io.sifkube.operator.run;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import java.time.Instant;
import java.util.List;

/** Sets metav1.Conditions the Kubernetes way: the transition time moves only when status does. */
public final class Conditions {

  private Conditions() {}

  public static void set(
      List<Condition> conditions,
      String type,
      boolean status,
      String reason,
      String message,
      Long generation) {
    String s = status ? "True" : "False";
    for (Condition c : conditions) {
      if (c.getType().equals(type)) {
        if (!s.equals(c.getStatus())) {
          c.setLastTransitionTime(Instant.now().toString());
        }
        c.setStatus(s);
        c.setReason(reason);
        c.setMessage(message);
        c.setObservedGeneration(generation);
        return;
      }
    }
    conditions.add(
        new ConditionBuilder()
            .withType(type)
            .withStatus(s)
            .withReason(reason)
            .withMessage(message)
            .withObservedGeneration(generation)
            .withLastTransitionTime(Instant.now().toString())
            .build());
  }

  /** The condition of {@code type}, or null. */
  public static Condition get(List<Condition> conditions, String type) {
    return conditions.stream().filter(c -> c.getType().equals(type)).findFirst().orElse(null);
  }

  public static boolean isTrue(List<Condition> conditions, String type) {
    return conditions.stream()
        .anyMatch(c -> c.getType().equals(type) && "True".equals(c.getStatus()));
  }
}
