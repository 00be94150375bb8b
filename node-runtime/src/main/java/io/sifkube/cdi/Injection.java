package io.sifkube.cdi;

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
   * the bytes read, declared version, directory priority) and the host nodes it brought.
   */
  public record Injected(
      String name,
      String specPath,
      String specSha256,
      String cdiVersion,
      int priority,
      List<ContainerEdits.DeviceNode> nodes) {
    public Injected {
      nodes = List.copyOf(nodes);
    }
  }
}
