package io.sifkube.siflet.containers;

import java.util.Map;

/**
 * What siflet keeps of a container in {@code records/ID.json}, so that a restarted siflet knows it.
 * Times are Unix milliseconds, 0 when not reached.
 *
 * @param id the client's container ID
 * @param image the image's manifest digest, or the OCI-SIF path it was created from
 * @param labels the client's labels
 * @param state CREATING (not finished: a crash there is undone), CREATED, RUNNING, EXITED or
 *     UNKNOWN
 * @param createdAt creation time
 * @param startedAt start time
 * @param finishedAt exit time
 * @param exitCode the exit status once EXITED
 * @param reason Completed, Error, OOMKilled or Lost
 * @param message more about the reason
 */
public record ContainerRecord(
    String id,
    String image,
    Map<String, String> labels,
    String state,
    long createdAt,
    long startedAt,
    long finishedAt,
    int exitCode,
    String reason,
    String message) {

  public static final String CREATING = "CREATING";
  public static final String CREATED = "CREATED";
  public static final String RUNNING = "RUNNING";
  public static final String EXITED = "EXITED";
  public static final String UNKNOWN = "UNKNOWN";

  public ContainerRecord {
    labels = Map.copyOf(labels);
    reason = reason == null ? "" : reason;
    message = message == null ? "" : message;
  }

  /** True once the container's process can no longer run. */
  public boolean ended() {
    return state.equals(EXITED) || state.equals(UNKNOWN);
  }

  ContainerRecord withState(String s) {
    return new ContainerRecord(
        id, image, labels, s, createdAt, startedAt, finishedAt, exitCode, reason, message);
  }

  ContainerRecord started(long at) {
    return new ContainerRecord(
        id, image, labels, RUNNING, createdAt, at, finishedAt, exitCode, reason, message);
  }

  ContainerRecord finished(String s, long at, int code, String why, String more) {
    return new ContainerRecord(id, image, labels, s, createdAt, startedAt, at, code, why, more);
  }
}
