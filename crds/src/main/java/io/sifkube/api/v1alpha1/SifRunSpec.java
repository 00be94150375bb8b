package io.sifkube.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonClassDescription;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.kubernetes.api.model.Quantity;
import java.util.List;
import java.util.Map;

/**
 * What a {@link SifRun} runs and how: the options of {@code sifctl run}, as Kubernetes fields.
 * Exactly one of {@code image} and {@code source} must be set: the CRD's schema says it with a
 * {@code oneOf} of the two (a 1.20 API server has no CEL rules), and the operator checks it again
 * for objects stored before the schema did.
 */
@JsonClassDescription(
    "What the run executes and how: image or source, command and args, env, binds, overlays, namespaces, capabilities, fakeroot, resources, devices, node placement and Job-like limits (backoffLimit, activeDeadlineSeconds, ttlSecondsAfterFinished, suspend).")
public class SifRunSpec {

  /** A capability's name as the kernel's headers spell it. */
  static final String CAPABILITY = "^CAP_[A-Z_]+$";

  /**
   * A Kubernetes quantity (500m, 2, 1.5Gi, 1e9) greater than zero: the number must hold a digit
   * other than 0. The API server's patterns are RE2 (no look-ahead), hence the two alternatives.
   * Integers (cpu: 2) are held by the field's minimum instead.
   */
  /** An absolute path with no {@code .} or {@code ..} component (RE2: no look-ahead). */
  static final String ABSOLUTE_PATH = "^(/([^/.][^/]*|\\.[^/.][^/]*|\\.\\.[^/]+)?)+$";

  /** An overlay: an absolute path as above, optionally followed by {@code :ro}. */
  static final String OVERLAY = "^(/([^/.:][^/:]*|\\.[^/.:][^/:]*|\\.\\.[^/:]+)?)+(:ro)?$";

  /** A CDI qualified device name, vendor/class=name, to the specification's grammar. */
  static final String CDI_NAME =
      "^[A-Za-z]([A-Za-z0-9_.-]*[A-Za-z0-9])?/[A-Za-z]([A-Za-z0-9_.-]*[A-Za-z0-9])?"
          + "=[A-Za-z0-9]([A-Za-z0-9_.:-]*[A-Za-z0-9])?$";

  static final String POSITIVE_QUANTITY =
      "^\\+?([0-9]*[1-9][0-9]*(\\.[0-9]*)?|[0-9]*\\.[0-9]*[1-9][0-9]*)"
          + "([KMGTPE]i|[numkMGTPE]|[eE][+-]?[0-9]+)?$";

  @JsonPropertyDescription("The name of a SifImage in this namespace to run.")
  public String image;

  @Pattern("^(docker://|oras://|oci:|oci-archive:|docker-archive:|https?://).+")
  @JsonPropertyDescription("An image source to run directly, instead of a SifImage.")
  public String source;

  @JsonPropertyDescription("Replaces the image's ENTRYPOINT and CMD when set.")
  public List<String> command;

  @JsonPropertyDescription("Replaces the image's CMD (after ENTRYPOINT, or after command).")
  public List<String> args;

  @JsonPropertyDescription("Environment variables; they override the image's.")
  public List<EnvVar> env;

  @JsonPropertyDescription("Working directory in the container; empty for the image's WORKDIR.")
  public String workingDir;

  @JsonPropertyDescription("Host directories bound into the container.")
  public List<Bind> binds;

  @Pattern(OVERLAY)
  @JsonPropertyDescription(
      "Overlays (PATH[:ro]) on the node: directories, squashfs or ext3 images; at most one"
          + " writable.")
  public List<String> overlay;

  @JsonPropertyDescription(
      "true (default): a writable root on a throw-away overlay; false: a read-only root.")
  public Boolean compat;

  @JsonPropertyDescription("Host name in the container (implies a UTS namespace).")
  public String hostname;

  @JsonPropertyDescription("Namespaces beyond the default PID, IPC and mount ones.")
  public Namespaces namespaces;

  @JsonPropertyDescription("Capabilities of the container's process.")
  public Capabilities capabilities;

  @JsonPropertyDescription("Run as root inside a user namespace.")
  public Boolean fakeroot;

  @JsonPropertyDescription("Limits; also what scheduling reserves on the node.")
  public Resources resources;

  @JsonPropertyDescription("Security settings of the container, as a Pod's.")
  public SecurityContext securityContext;

  @Pattern(CDI_NAME)
  @JsonPropertyDescription("CDI device names to inject (e.g. nvidia.com/gpu=0).")
  public List<String> devices;

  @JsonPropertyDescription("Labels a SifNode must carry to run this.")
  public Map<String, String> nodeSelector;

  @JsonPropertyDescription("Run on this SifNode, bypassing the selector.")
  public String nodeName;

  @Min(0)
  @JsonPropertyDescription("Failed attempts to retry before the run is Failed (default 6).")
  public Integer backoffLimit;

  @Min(1)
  @JsonPropertyDescription("Seconds a run may be active before it is stopped and Failed.")
  public Long activeDeadlineSeconds;

  @Min(0)
  @JsonPropertyDescription("Delete the run this many seconds after it finished.")
  public Integer ttlSecondsAfterFinished;

  @JsonPropertyDescription(
      "true stops a running attempt and starts none; false resumes with a new attempt.")
  public Boolean suspend;

  /** The most ranks one run may have. */
  public static final int MAX_PARALLELISM = 1024;

  @Min(1)
  @Max(MAX_PARALLELISM)
  @JsonPropertyDescription(
      "Ranks: copies of the container started together (default 1). Each gets SIFKUBE_RANK,"
          + " SIFKUBE_SIZE and SIFKUBE_HOSTFILE; any rank failing fails the attempt.")
  public Integer parallelism;

  @Pattern("^(Indexed|NonIndexed)$")
  @JsonPropertyDescription(
      "Indexed (default): each rank is also named by its index, as host name <run>-<rank>;"
          + " NonIndexed: the ranks keep the spec's host name. Both tell each rank its index.")
  public String completionMode;

  @Min(1)
  @JsonPropertyDescription("At most this many ranks on one SifNode (default: as many as fit).")
  public Integer ranksPerNode;

  @JsonPropertyDescription(
      "Place and pull every rank before any starts, or none (default and, for now, the only"
          + " choice when parallelism > 1).")
  public Boolean gang;

  @Min(1)
  @JsonPropertyDescription(
      "Fail the run when its ranks could not all be placed within this many seconds.")
  public Long gangTimeoutSeconds;

  @JsonPropertyDescription("How the ranks are wired up for MPI; absent for plain ranks.")
  public Mpi mpi;

  /** MPI wire-up. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class Mpi {
    @Required
    @Pattern("^PMI$")
    @JsonPropertyDescription(
        "PMI: a PMI-1 server for the run, as MPICH's simple PMI client reads it.")
    public String implementation;
  }

  /** An environment variable. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class EnvVar {
    @Required
    @Pattern("^[^=]+$")
    @JsonPropertyDescription("Its name.")
    public String name;

    @JsonPropertyDescription("Its value.")
    public String value;
  }

  /** A host directory bound into the container. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class Bind {
    @Required
    @Pattern(ABSOLUTE_PATH)
    @JsonPropertyDescription("Absolute path on the node, without . or .. components.")
    public String hostPath;

    @Pattern(ABSOLUTE_PATH)
    @JsonPropertyDescription(
        "Absolute path in the container, without . or .. components; empty for hostPath.")
    public String mountPath;

    @JsonPropertyDescription("Mount read-only.")
    public Boolean readOnly;
  }

  /** Namespaces to add. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class Namespaces {
    @JsonPropertyDescription("A new, empty network namespace (the node's network otherwise).")
    public Boolean network;

    @JsonPropertyDescription("A new UTS namespace.")
    public Boolean uts;
  }

  /** Capability changes. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class Capabilities {
    @Pattern(CAPABILITY)
    @JsonPropertyDescription("Capabilities to add (CAP_...).")
    public List<String> add;

    @Pattern(CAPABILITY)
    @JsonPropertyDescription("Capabilities to drop (CAP_...).")
    public List<String> drop;

    @JsonPropertyDescription("Drop every capability and set no_new_privs.")
    public Boolean noPrivs;
  }

  /** Resource limits. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class Resources {
    @Pattern(POSITIVE_QUANTITY)
    @Min(1)
    @JsonPropertyDescription("CPU limit (e.g. 500m, 2).")
    public Quantity cpu;

    @Pattern(POSITIVE_QUANTITY)
    @Min(1)
    @JsonPropertyDescription("Memory limit (e.g. 512Mi).")
    public Quantity memory;

    @Min(1)
    @JsonPropertyDescription("The most processes.")
    public Long pids;

    @Min(1000)
    @Max(1000000)
    @JsonPropertyDescription(
        "CFS period in microseconds (default 100000); the quota is cpu x period, as the kubelet's"
            + " --cpu-cfs-quota-period.")
    public Long cpuPeriodMicroseconds;

    @Pattern(POSITIVE_QUANTITY)
    @JsonPropertyDescription(
        "Memory plus swap limit (e.g. 2Gi); default: the memory limit, so no swap.")
    public Quantity memorySwap;

    @Pattern("^[0-9]+(-[0-9]+)?(,[0-9]+(-[0-9]+)?)*$")
    @JsonPropertyDescription("NUMA memory nodes to allocate from (e.g. 0-1).")
    public String cpusetMems;

    @JsonPropertyDescription("Block I/O weights.")
    public BlockIO blockIO;
  }

  /** Block I/O weights. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class BlockIO {
    @Min(10)
    @Max(1000)
    @JsonPropertyDescription("Weight of the container's block I/O, 10..1000.")
    public Integer weight;

    @JsonPropertyDescription("Weights of single block devices of the node.")
    public List<DeviceWeight> weightDevices;
  }

  /** A block device of the node and its weight. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class DeviceWeight {
    @Required
    @Pattern("^/dev/.+")
    @JsonPropertyDescription("The device's path on the node (/dev/...).")
    public String path;

    @Required
    @Min(10)
    @Max(1000)
    @JsonPropertyDescription("Its weight, 10..1000.")
    public Integer weight;
  }

  /** Security settings. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class SecurityContext {
    @JsonPropertyDescription(
        "The seccomp filter: RuntimeDefault (the node's default profile, also when unset),"
            + " Unconfined, or Localhost with localhostProfile under siflet's"
            + " --seccomp-profile-root.")
    public SeccompProfile seccompProfile;
  }

  /** A seccomp profile, as a Pod's. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class SeccompProfile {
    @Required
    @Pattern("^(RuntimeDefault|Unconfined|Localhost)$")
    @JsonPropertyDescription("RuntimeDefault, Unconfined or Localhost.")
    public String type;

    @Pattern("^[^/].*")
    @JsonPropertyDescription(
        "For Localhost: the profile file, relative to siflet's --seccomp-profile-root.")
    public String localhostProfile;
  }
}
