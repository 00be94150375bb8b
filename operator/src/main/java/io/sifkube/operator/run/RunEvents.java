package io.sifkube.operator.run;

import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.sifkube.api.v1alpha1.SifRun;
import java.time.Instant;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Records a Kubernetes Event on a run for each phase change ({@code kubectl describe}). */
final class RunEvents {

  private static final Logger LOG = LoggerFactory.getLogger(RunEvents.class);

  private final KubernetesClient client;

  RunEvents(KubernetesClient client) {
    this.client = client;
  }

  void normal(SifRun run, String reason, String message) {
    String now = Instant.now().toString();
    try {
      client
          .v1()
          .events()
          .inNamespace(run.getMetadata().getNamespace())
          .resource(
              new EventBuilder()
                  .withNewMetadata()
                  .withName(run.getMetadata().getName() + "." + UUID.randomUUID())
                  .withNamespace(run.getMetadata().getNamespace())
                  .endMetadata()
                  .withInvolvedObject(
                      new ObjectReferenceBuilder()
                          .withApiVersion(run.getApiVersion())
                          .withKind(run.getKind())
                          .withName(run.getMetadata().getName())
                          .withNamespace(run.getMetadata().getNamespace())
                          .withUid(run.getMetadata().getUid())
                          .build())
                  .withReason(reason)
                  .withMessage(message)
                  .withType("Normal")
                  .withFirstTimestamp(now)
                  .withLastTimestamp(now)
                  .withCount(1)
                  .withNewSource("sifkube-operator", null)
                  .build())
          .create();
    } catch (KubernetesClientException e) {
      LOG.warn(
          "cannot record event {} on {}: {}", reason, run.getMetadata().getName(), e.getMessage());
    }
  }
}
