package io.sifkube.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonClassDescription;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.kubernetes.api.model.Condition;
import java.util.ArrayList;
import java.util.List;

/**
 * Where a {@link SifRun} stands. Conditions follow batch/v1 Jobs: {@code Complete}, {@code Failed}
 * (reasons BackoffLimitExceeded, DeadlineExceeded, NodeLost, InvalidSpec, ...) and {@code
 * Suspended}, plus {@code Scheduled} while it waits for a node.
 */
@JsonClassDescription(
    "Where the run stands: phase, node, container, attempts, times, exit code, reason, output tail and batch/v1-style conditions (Complete, Failed, Suspended, Scheduled).")
@JsonInclude(JsonInclude.Include.NON_NULL)
public class SifRunStatus {

  @JsonPropertyDescription("Pending, Scheduled, Pulling, Running, Succeeded or Failed.")
  public Phase phase;

  @JsonPropertyDescription("The SifNode running (or last ran) it.")
  public String node;

  @JsonPropertyDescription("The container of the current or last attempt on that node.")
  public String containerID;

  @JsonPropertyDescription("Attempts started so far.")
  public Integer attempts;

  @JsonPropertyDescription(
      "Attempts that failed (exit code not 0, lost node or container); backoffLimit counts these.")
  public Integer failures;

  @JsonPropertyDescription("When the first attempt started (RFC 3339).")
  public String startTime;

  @JsonPropertyDescription("When the run finished (RFC 3339).")
  public String completionTime;

  @JsonPropertyDescription("Exit code of the last attempt's process (128+N: killed by signal N).")
  public Integer exitCode;

  @JsonPropertyDescription("Why the run is in its phase (CamelCase).")
  public String reason;

  @JsonPropertyDescription("More about the reason, for people.")
  public String message;

  @JsonPropertyDescription("The last lines of the output, at most 4 KiB.")
  public String outputTail;

  @JsonPropertyDescription(
      "The CDI devices injected into the current or last attempt, each with its node and the spec file (path, SHA-256, cdiVersion) it came from.")
  public List<InjectedDevice> devices;

  @JsonPropertyDescription("Ranks running / ranks, for parallel runs (e.g. 3/4).")
  public String readyRanks;

  @JsonPropertyDescription(
      "Each rank of the current or last attempt of a parallel run: its node, container, phase and"
          + " exit code (every rank: at most 1024, a few hundred KiB).")
  public List<Rank> ranks;

  @JsonPropertyDescription("The metadata.generation this status describes.")
  public Long observedGeneration;

  @JsonPropertyDescription(
      "Complete, Failed, Suspended and Scheduled, after Kubernetes conventions.")
  public List<Condition> conditions = new ArrayList<>();

  /** A CDI device injected into a run's container: what it was and where it came from. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class InjectedDevice {
    @JsonPropertyDescription("The device name (vendor/class=name).")
    public String name;

    @JsonPropertyDescription("The SifNode it was injected on.")
    public String node;

    @JsonPropertyDescription("The CDI spec file that defined it there.")
    public String specFile;

    @JsonPropertyDescription("SHA-256 (hex) of that spec file as read.")
    public String specSha256;

    @JsonPropertyDescription("The spec file's cdiVersion.")
    public String cdiVersion;

    @JsonPropertyDescription("Device nodes made: PATH TYPE MAJOR:MINOR from HOSTPATH.")
    public List<String> nodes;
  }

  /** One rank of a parallel run. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class Rank {
    @JsonPropertyDescription("Its index.")
    public Integer rank;

    @JsonPropertyDescription("The SifNode it runs (or ran) on.")
    public String node;

    @JsonPropertyDescription("Its container on that node.")
    public String containerID;

    @JsonPropertyDescription("Scheduled, Running, Succeeded or Failed.")
    public Phase phase;

    @JsonPropertyDescription("Its exit code once it ended.")
    public Integer exitCode;
  }

  /** The life of a run. */
  public enum Phase {
    Pending,
    Scheduled,
    Pulling,
    Running,
    Succeeded,
    Failed
  }
}
