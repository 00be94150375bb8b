package io.sifkube.siflet.containers;

import java.util.List;
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
 * @param devices the CDI devices injected at creation, with where each came from
 * @param sandbox the sandbox it shares with other containers (config.sandbox), or ""
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
    String message,
    List<Device> devices,
    String sandbox) {

  public static final String CREATING = "CREATING";
  public static final String CREATED = "CREATED";
  public static final String RUNNING = "RUNNING";
  public static final String EXITED = "EXITED";
  public static final String UNKNOWN = "UNKNOWN";

  public ContainerRecord {
    labels = Map.copyOf(labels);
    reason = reason == null ? "" : reason;
    message = message == null ? "" : message;
    devices = devices == null ? List.of() : List.copyOf(devices); // records written before CDI
    sandbox = sandbox == null ? "" : sandbox; // records written before sandboxes
  }

  /**
   * An injected CDI device: its name, the spec file that won it (path, SHA-256, cdiVersion) and the
   * nodes made ("PATH TYPE MAJOR:MINOR from HOSTPATH").
   */
  public record Device(
      String name, String specPath, String specSha256, String cdiVersion, List<String> nodes) {
    public Device {
      nodes = nodes == null ? List.of() : List.copyOf(nodes);
    }
  }

  /** True once the container's process can no longer run. */
  public boolean ended() {
    return state.equals(EXITED) || state.equals(UNKNOWN);
  }

  ContainerRecord withState(String s) {
    return new ContainerRecord(
        id,
        image,
        labels,
        s,
        createdAt,
        startedAt,
        finishedAt,
        exitCode,
        reason,
        message,
        devices,
        sandbox);
  }

  ContainerRecord started(long at) {
    return new ContainerRecord(
        id,
        image,
        labels,
        RUNNING,
        createdAt,
        at,
        finishedAt,
        exitCode,
        reason,
        message,
        devices,
        sandbox);
  }

  ContainerRecord finished(String s, long at, int code, String why, String more) {
    return new ContainerRecord(
        id, image, labels, s, createdAt, startedAt, at, code, why, more, devices, sandbox);
  }
}
