package io.sifkube.operator.run;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.sifkube.api.v1alpha1.SifRun;
import io.sifkube.operator.ApiRequests;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Records a Kubernetes Event on a run for each phase change ({@code kubectl describe}).
 *
 * <p>Events are sent by one thread of their own, in order, so that a reconcile does not wait for
 * them; like client-go's recorder, a full queue drops an event (with a warning) rather than slow
 * down the runs.
 */
final class RunEvents implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(RunEvents.class);
  private static final int QUEUE = 10_000;

  private final KubernetesClient client;
  private final ExecutorService sender =
      new ThreadPoolExecutor(
          1,
          1,
          0,
          TimeUnit.SECONDS,
          new ArrayBlockingQueue<>(QUEUE),
          r -> {
            Thread t = new Thread(r, "run-events");
            t.setDaemon(true);
            return t;
          },
          (r, pool) -> LOG.warn("event queue full ({}): an event was dropped", QUEUE));

  RunEvents(KubernetesClient client) {
    this.client = client;
  }

  void normal(SifRun run, String reason, String message) {
    String now = Instant.now().toString();
    sender.execute(() -> send(run, reason, message, now, "Normal"));
  }

  /** An event of type Warning: something an operator of the cluster should look at. */
  void warning(SifRun run, String reason, String message) {
    String now = Instant.now().toString();
    sender.execute(() -> send(run, reason, message, now, "Warning"));
  }

  @Override
  public void close() {
    sender.shutdown();
  }

  private void send(SifRun run, String reason, String message, String now, String type) {
    String namespace = run.getMetadata().getNamespace();
    Event event =
        new EventBuilder()
            .withNewMetadata()
            .withName(run.getMetadata().getName() + "." + UUID.randomUUID())
            .withNamespace(namespace)
            .endMetadata()
            .withInvolvedObject(
                new ObjectReferenceBuilder()
                    .withApiVersion(run.getApiVersion())
                    .withKind(run.getKind())
                    .withName(run.getMetadata().getName())
                    .withNamespace(namespace)
                    .withUid(run.getMetadata().getUid())
                    .build())
            .withReason(reason)
            .withMessage(message)
            .withType(type)
            .withFirstTimestamp(now)
            .withLastTimestamp(now)
            .withCount(1)
            .withNewSource("sifkube-operator", null)
            .build();
    try {
      // A POST of our own: the created event that fabric8's create() would decode is not needed.
      ApiRequests.send(
          client,
          "POST",
          ApiRequests.url(client, List.of("api", "v1", "namespaces", namespace, "events")),
          "application/json",
          client.getKubernetesSerialization().asJson(event),
          "recording event "
              + reason
              + " on sifruns "
              + namespace
              + "/"
              + run.getMetadata().getName());
    } catch (RuntimeException e) { // the server's refusal, or a timeout: the next event is sent
      LOG.warn(
          "cannot record event {} on {}: {}", reason, run.getMetadata().getName(), e.getMessage());
    }
  }
}
