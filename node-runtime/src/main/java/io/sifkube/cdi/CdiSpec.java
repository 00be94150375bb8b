package io.sifkube.cdi;

import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * One CDI spec file, read and checked: where it came from (path, the SHA-256 of its bytes, the
 * priority of its directory), its declared {@code cdiVersion}, its {@code kind} and what it
 * defines.
 */
public record CdiSpec(
    String path,
    String sha256,
    int priority,
    String version,
    String vendor,
    String cls,
    Map<String, String> annotations,
    List<Device> devices,
    ContainerEdits edits) {

  public CdiSpec {
    annotations = Collections.unmodifiableMap(new TreeMap<>(annotations));
    devices = List.copyOf(devices);
  }

  public String kind() {
    return vendor + "/" + cls;
  }

  /** The same spec found in a directory of another priority. */
  public CdiSpec withPriority(int p) {
    return new CdiSpec(path, sha256, p, version, vendor, cls, annotations, devices, edits);
  }

  /** A device the spec defines: its name (unqualified), annotations and edits. */
  public record Device(String name, Map<String, String> annotations, ContainerEdits edits) {
    public Device {
      annotations = Collections.unmodifiableMap(new TreeMap<>(annotations));
    }
  }
}
