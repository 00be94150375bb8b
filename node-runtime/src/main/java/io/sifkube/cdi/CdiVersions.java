package io.sifkube.cdi;

import java.util.List;
import java.util.stream.Stream;

/**
 * The {@code cdiVersion}s of the CDI specification and what each added (specs-go/version.go). A
 * spec must declare a version this table lists, no lower than {@link #FLOOR}, and no lower than the
 * newest feature it uses requires. Versions are data: a new one is a new row.
 */
public final class CdiVersions {

  /** Every version the specification defines, oldest first; 0.1.0 and 0.2.0 were pre-releases. */
  public static final List<String> KNOWN =
      List.of(
          "0.1.0", "0.2.0", "0.3.0", "0.4.0", "0.5.0", "0.6.0", "0.7.0", "0.8.0", "1.0.0", "1.1.0");

  /** The oldest version a spec may declare. */
  public static final String FLOOR = "0.3.0";

  /** The newest version, which this reader writes in its messages. */
  public static final String CURRENT = KNOWN.get(KNOWN.size() - 1);

  private CdiVersions() {}

  /**
   * The declared version without a leading {@code v}.
   *
   * @throws CdiException when it is not a known version or lies below the floor
   */
  public static String parse(String declared) {
    String v = declared.startsWith("v") ? declared.substring(1) : declared;
    if (!KNOWN.contains(v)) {
      throw new CdiException(
          "invalid version \"" + declared + "\" (known: " + FLOOR + " to " + CURRENT + ")");
    }
    if (compare(v, FLOOR) < 0) {
      throw new CdiException("version " + v + " is a pre-release; it must be at least " + FLOOR);
    }
    return v;
  }

  /** Orders two known versions. */
  public static int compare(String a, String b) {
    return Integer.compare(KNOWN.indexOf(a), KNOWN.indexOf(b));
  }

  /** A version a spec needs, and the feature that needs it. */
  public record Need(String version, String why) {}

  /**
   * The lowest version that allows everything {@code spec} uses (its declared version is not looked
   * at), with the newest feature that sets it.
   */
  public static Need required(CdiSpec spec) {
    List<ContainerEdits> all =
        Stream.concat(Stream.of(spec.edits()), spec.devices().stream().map(CdiSpec.Device::edits))
            .toList();
    for (ContainerEdits e : all) {
      if (!e.netDevices().isEmpty()) {
        return new Need("1.1.0", "netDevices");
      }
      if (e.intelRdt() != null
          && (e.intelRdt().enableMonitoring() || !e.intelRdt().schemata().isEmpty())) {
        return new Need("1.1.0", "intelRdt.schemata or intelRdt.enableMonitoring");
      }
    }
    for (ContainerEdits e : all) {
      if (e.intelRdt() != null) {
        return new Need("0.7.0", "intelRdt");
      }
      if (!e.additionalGids().isEmpty()) {
        return new Need("0.7.0", "additionalGids");
      }
    }
    if (!spec.annotations().isEmpty()
        || spec.devices().stream().anyMatch(d -> !d.annotations().isEmpty())) {
      return new Need("0.6.0", "annotations");
    }
    if (spec.cls().contains(".")) {
      return new Need("0.6.0", "a '.' in the class of kind " + spec.kind());
    }
    for (CdiSpec.Device d : spec.devices()) {
      if (!d.name().isEmpty() && !QualifiedName.letter(d.name().charAt(0))) {
        return new Need("0.5.0", "device name \"" + d.name() + "\" not starting with a letter");
      }
    }
    for (ContainerEdits e : all) {
      if (e.deviceNodes().stream().anyMatch(n -> n.hostPath() != null && !n.hostPath().isEmpty())) {
        return new Need("0.5.0", "deviceNodes[].hostPath");
      }
    }
    for (ContainerEdits e : all) {
      if (e.mounts().stream().anyMatch(m -> m.type() != null && !m.type().isEmpty())) {
        return new Need("0.4.0", "mounts[].type");
      }
    }
    return new Need(FLOOR, "the base format");
  }
}
