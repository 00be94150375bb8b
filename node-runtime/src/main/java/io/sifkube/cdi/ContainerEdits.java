package io.sifkube.cdi;

import java.util.ArrayList;
import java.util.List;

/**
 * What a spec or a device changes in a container ({@code containerEdits}), as read from a spec
 * file: immutable, with absent values kept absent (a uid of 0 is not a missing uid).
 */
public record ContainerEdits(
    List<String> env,
    List<DeviceNode> deviceNodes,
    List<Mount> mounts,
    List<Hook> hooks,
    IntelRdt intelRdt,
    List<Long> additionalGids,
    List<NetDevice> netDevices) {

  public static final ContainerEdits NONE =
      new ContainerEdits(List.of(), List.of(), List.of(), List.of(), null, List.of(), List.of());

  /** The hook stages of the OCI runtime spec that CDI may name ({@code hookName}). */
  public static final List<String> HOOK_STAGES =
      List.of(
          "prestart",
          "createRuntime",
          "createContainer",
          "startContainer",
          "poststart",
          "poststop");

  public ContainerEdits {
    env = List.copyOf(env);
    deviceNodes = List.copyOf(deviceNodes);
    mounts = List.copyOf(mounts);
    hooks = List.copyOf(hooks);
    additionalGids = List.copyOf(additionalGids);
    netDevices = List.copyOf(netDevices);
  }

  public boolean isEmpty() {
    return env.isEmpty()
        && deviceNodes.isEmpty()
        && mounts.isEmpty()
        && hooks.isEmpty()
        && intelRdt == null
        && additionalGids.isEmpty()
        && netDevices.isEmpty();
  }

  /** These edits followed by {@code more}, as the reference appends edit lists. */
  public ContainerEdits append(ContainerEdits more) {
    return new ContainerEdits(
        concat(env, more.env),
        concat(deviceNodes, more.deviceNodes),
        concat(mounts, more.mounts),
        concat(hooks, more.hooks),
        more.intelRdt != null ? more.intelRdt : intelRdt,
        concat(additionalGids, more.additionalGids),
        concat(netDevices, more.netDevices));
  }

  private static <T> List<T> concat(List<T> a, List<T> b) {
    if (b.isEmpty()) {
      return a;
    }
    List<T> out = new ArrayList<>(a);
    out.addAll(b);
    return out;
  }

  /**
   * A device node: {@code path} in the container, {@code hostPath} on the host (default: path).
   * Type, numbers and mode may be left out for the host's node to fill in; {@code major} 0 means
   * unset, as in the reference. {@code permissions} is the cgroup access ("" means rwm).
   */
  public record DeviceNode(
      String path,
      String hostPath,
      String type,
      long major,
      long minor,
      Integer fileMode,
      String permissions,
      Long uid,
      Long gid) {

    /** The host node to look at. */
    public String hostNode() {
      return hostPath == null || hostPath.isEmpty() ? path : hostPath;
    }

    /** Enough to create the node without looking at the host: a type and a major (or a fifo). */
    public boolean minimal() {
      return !type.isEmpty() && (major != 0 || type.equals("p"));
    }
  }

  /** A mount: {@code hostPath} (or a file system source such as tmpfs) at {@code containerPath}. */
  public record Mount(String hostPath, String containerPath, String type, List<String> options) {
    public Mount {
      options = List.copyOf(options);
    }
  }

  /** A hook run at OCI stage {@code hookName}; a null timeout means none. */
  public record Hook(
      String hookName, String path, List<String> args, List<String> env, Integer timeout) {
    public Hook {
      args = List.copyOf(args);
      env = List.copyOf(env);
    }
  }

  /** Intel RDT settings; they replace the runtime spec's {@code linux.intelRdt}. */
  public record IntelRdt(
      String closID,
      String l3CacheSchema,
      String memBwSchema,
      List<String> schemata,
      boolean enableMonitoring) {
    public IntelRdt {
      schemata = List.copyOf(schemata);
    }
  }

  /** A host network interface moved into the container under {@code name} (CDI 1.1.0). */
  public record NetDevice(String hostInterfaceName, String name) {}
}
