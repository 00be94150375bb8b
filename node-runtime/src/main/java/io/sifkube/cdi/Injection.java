package io.sifkube.cdi;

import java.util.ArrayList;
import java.util.List;

/**
 * What injecting a list of devices does: the combined edits, in the order the reference applies
 * them (each spec's own edits the first time one of its devices is asked for, then the device's),
 * with every device node already completed from the host; and, per device, where it came from.
 * Applying it ({@link SpecEditor}) does no I/O.
 */
public record Injection(List<Injected> devices, ContainerEdits edits) {

  public static final Injection NONE = new Injection(List.of(), ContainerEdits.NONE);

  public Injection {
    devices = List.copyOf(devices);
  }

  public boolean isEmpty() {
    return devices.isEmpty();
  }

  /**
   * One injected device, for the audit trail: its name, the spec file that won it (path, SHA-256 of
   * the bytes read, declared version, directory priority), the host nodes and the hooks it brought.
   */
  public record Injected(
      String name,
      String specPath,
      String specSha256,
      String cdiVersion,
      int priority,
      List<ContainerEdits.DeviceNode> nodes,
      List<ContainerEdits.Hook> hooks) {
    public Injected {
      nodes = List.copyOf(nodes);
      hooks = List.copyOf(hooks);
    }
  }

  /**
   * What to tell the user when hooks of these devices run on a read-only root ({@code
   * root.readonly} in {@code spec}) where they cannot write into the image: {@code createContainer}
   * hooks under crun, which makes the root read-only before running them (runc does so after), and
   * {@code startContainer} hooks, which run in the container, under either. Null when nothing is at
   * risk.
   */
  public String readOnlyRootNote(boolean readOnlyRoot, String runtime) {
    if (!readOnlyRoot) {
      return null;
    }
    List<String> risky = new ArrayList<>();
    for (Injected d : devices) {
      for (ContainerEdits.Hook h : d.hooks()) {
        boolean atRisk =
            h.hookName().equals("startContainer")
                || (h.hookName().equals("createContainer") && runtime.equals("crun"));
        if (atRisk) {
          risky.add(d.name() + " (" + h.hookName() + " hook " + h.path() + ")");
        }
      }
    }
    if (risky.isEmpty()) {
      return null;
    }
    return "CDI device "
        + String.join(", ", risky)
        + " runs on a read-only root file system (--no-compat): "
        + (runtime.equals("crun") ? "crun makes the root read-only before such hooks run, so " : "")
        + "a hook that writes into the image fails; drop --no-compat (the writable overlay is the"
        + " default) or add a writable --overlay";
  }
}
