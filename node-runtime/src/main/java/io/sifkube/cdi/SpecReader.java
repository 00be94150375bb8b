package io.sifkube.cdi;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import io.sifkube.cdi.ContainerEdits.DeviceNode;
import io.sifkube.cdi.ContainerEdits.Hook;
import io.sifkube.cdi.ContainerEdits.IntelRdt;
import io.sifkube.cdi.ContainerEdits.Mount;
import io.sifkube.cdi.ContainerEdits.NetDevice;
import io.sifkube.cdi.SpecTree.Arr;
import io.sifkube.cdi.SpecTree.Kind;
import io.sifkube.cdi.SpecTree.Node;
import io.sifkube.cdi.SpecTree.Obj;
import io.sifkube.cdi.SpecTree.Scalar;
import io.sifkube.image.oci.Digest;
import java.io.IOException;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * The one reader of CDI spec files ({@code *.json}, {@code *.yaml}): parses, then checks the file
 * as the reference library's loader does — strictly (unknown or duplicate keys), every field's
 * type, the {@code cdiVersion} against the features used, the kind and device names, and every edit
 * — and reports the first problem as {@code FILE: FIELD: reason}.
 *
 * <p>Stricter than the reference, on purpose: keys differing only in case ({@code DeviceNodes}),
 * which Go's decoder accepts, are refused; paths the OCI runtime would refuse or read relative to
 * its own directory (device and container paths, hook paths, host nodes) must be absolute, and a
 * hook's timeout positive, as the specification says; an unquoted YAML scalar in a string field
 * must read the same in YAML 1.1 and as written ({@code name: 0600} is the number 384 to the
 * reference and is refused here, naming the field).
 */
public final class SpecReader {

  /** Spec files are small; NVIDIA's with every library of a driver are some 100 KiB. */
  public static final int MAX_BYTES = 4 << 20;

  private SpecReader() {}

  /**
   * Reads a spec file's {@code bytes}.
   *
   * @param path the file, for messages and the spec's origin; its name ends in .json or .yaml
   * @param priority the priority of its directory (its index in the list)
   * @throws CdiException naming the file, the field and what is wrong
   */
  public static CdiSpec read(String path, byte[] bytes, int priority) {
    try {
      return parse(path, bytes, priority);
    } catch (CdiException e) {
      throw new CdiException(path + ": " + e.getMessage());
    }
  }

  /** {@link #read}, with messages that do not name the file. */
  static CdiSpec parse(String path, byte[] bytes, int priority) {
    if (bytes.length > MAX_BYTES) {
      throw new CdiException("larger than " + (MAX_BYTES >> 20) + " MiB");
    }
    try {
      Node root = path.endsWith(".json") ? SpecTree.json(bytes) : SpecTree.yaml(bytes);
      return spec(root, path, Digest.sha256(bytes).hex(), priority);
    } catch (JsonProcessingException e) {
      JsonLocation at = e.getLocation();
      String where =
          at == null || at.getLineNr() < 1
              ? ""
              : " at line " + at.getLineNr() + ", column " + at.getColumnNr();
      String m = String.valueOf(e.getOriginalMessage()).lines().findFirst().orElse("");
      throw new CdiException(
          "not valid " + (path.endsWith(".json") ? "JSON" : "YAML") + where + ": " + m);
    } catch (IOException e) {
      throw new CdiException("cannot read: " + e.getMessage());
    }
  }

  private static CdiSpec spec(Node root, String path, String sha, int priority) {
    Fields f =
        Fields.of(root, "", "cdiVersion", "kind", "annotations", "devices", "containerEdits");
    String declared = f.requiredString("cdiVersion");
    String version = f.at("cdiVersion", () -> CdiVersions.parse(declared));
    String kind = f.requiredString("kind");
    int slash = kind.indexOf('/');
    if (slash <= 0 || slash == kind.length() - 1) {
      throw f.error("kind", "\"" + kind + "\" is not vendor/class");
    }
    String vendor = kind.substring(0, slash);
    String cls = kind.substring(slash + 1);
    String bad = QualifiedName.kindProblem(vendor, cls);
    if (bad != null) {
      throw f.error("kind", bad);
    }
    Map<String, String> annotations = f.stringMap("annotations");
    ContainerEdits edits =
        f.has("containerEdits") ? edits(f.object("containerEdits")) : ContainerEdits.NONE;
    List<Fields> devs = f.objects("devices");
    if (devs.isEmpty()) {
      throw f.error("devices", "no devices (a spec must define at least one)");
    }
    List<CdiSpec.Device> devices = new ArrayList<>();
    Set<String> names = new HashSet<>();
    for (Fields d : devs) {
      d.allow("name", "annotations", "containerEdits");
      String name = d.requiredString("name");
      String why = QualifiedName.nameProblem(name);
      if (why != null) {
        throw d.error("name", why);
      }
      if (!names.add(name)) {
        throw d.error("name", "device \"" + name + "\" is defined twice in this file");
      }
      if (!d.has("containerEdits")) {
        throw d.error("containerEdits", "required (a device must edit the container)");
      }
      ContainerEdits de = edits(d.object("containerEdits"));
      if (de.isEmpty()) {
        throw d.error("containerEdits", "empty: a device must edit the container");
      }
      devices.add(new CdiSpec.Device(name, d.stringMap("annotations"), de));
    }
    CdiSpec spec =
        new CdiSpec(path, sha, priority, version, vendor, cls, annotations, devices, edits);
    CdiVersions.Need need = CdiVersions.required(spec);
    if (CdiVersions.compare(need.version(), version) > 0) {
      throw f.error(
          "cdiVersion",
          declared + " is too low: " + need.why() + " needs at least " + need.version());
    }
    return spec;
  }

  private static ContainerEdits edits(Fields f) {
    f.allow("env", "deviceNodes", "mounts", "hooks", "intelRdt", "additionalGids", "netDevices");
    List<String> env = f.strings("env");
    for (int i = 0; i < env.size(); i++) {
      checkEnv(f, "env[" + i + "]", env.get(i));
    }
    List<DeviceNode> nodes = new ArrayList<>();
    for (Fields n : f.objects("deviceNodes")) {
      nodes.add(deviceNode(n));
    }
    List<Mount> mounts = new ArrayList<>();
    for (Fields m : f.objects("mounts")) {
      m.allow("hostPath", "containerPath", "type", "options");
      String host = m.requiredString("hostPath");
      String dst = m.requiredString("containerPath");
      absolute(m, "containerPath", dst);
      mounts.add(new Mount(host, dst, m.string("type"), m.strings("options")));
    }
    List<Hook> hooks = new ArrayList<>();
    for (Fields h : f.objects("hooks")) {
      hooks.add(hook(h));
    }
    IntelRdt rdt = f.has("intelRdt") ? intelRdt(f.object("intelRdt")) : null;
    List<Long> gids = new ArrayList<>();
    List<Node> g = f.array("additionalGids");
    for (int i = 0; i < g.size(); i++) {
      gids.add(f.unsigned("additionalGids[" + i + "]", g.get(i), 32));
    }
    List<NetDevice> net = new ArrayList<>();
    Set<String> hostIfs = new HashSet<>();
    Set<String> ifNames = new HashSet<>();
    for (Fields n : f.objects("netDevices")) {
      n.allow("hostInterfaceName", "name");
      String host = n.requiredString("hostInterfaceName");
      String name = n.requiredString("name");
      if (!hostIfs.add(host)) {
        throw n.error("hostInterfaceName", "\"" + host + "\" is moved twice");
      }
      if (!ifNames.add(name)) {
        throw n.error("name", "\"" + name + "\" is used twice");
      }
      net.add(new NetDevice(host, name));
    }
    return new ContainerEdits(env, nodes, mounts, hooks, rdt, gids, net);
  }

  private static DeviceNode deviceNode(Fields n) {
    n.allow("path", "hostPath", "type", "major", "minor", "fileMode", "permissions", "uid", "gid");
    String path = n.requiredString("path");
    absolute(n, "path", path);
    String host = n.string("hostPath");
    if (!host.isEmpty()) {
      absolute(n, "hostPath", host);
    }
    String type = n.string("type");
    if (!List.of("", "b", "c", "u", "p").contains(type)) {
      throw n.error("type", "\"" + type + "\" is not b, c, u or p");
    }
    String perms = n.string("permissions");
    if (!perms.equals("none") && !perms.chars().allMatch(c -> c == 'r' || c == 'w' || c == 'm')) {
      throw n.error("permissions", "\"" + perms + "\" is not made of r, w and m (or none)");
    }
    Long major = n.optionalSigned("major");
    Long minor = n.optionalSigned("minor");
    Long mode = n.optionalUnsigned("fileMode", 32);
    return new DeviceNode(
        path,
        host,
        type,
        major == null ? 0 : major,
        minor == null ? 0 : minor,
        mode == null ? null : mode.intValue(),
        perms,
        n.optionalUnsigned("uid", 32),
        n.optionalUnsigned("gid", 32));
  }

  private static Hook hook(Fields h) {
    h.allow("hookName", "path", "args", "env", "timeout");
    String stage = h.requiredString("hookName");
    if (!ContainerEdits.HOOK_STAGES.contains(stage)) {
      throw h.error(
          "hookName",
          "\"" + stage + "\" is not one of " + String.join(", ", ContainerEdits.HOOK_STAGES));
    }
    String path = h.requiredString("path");
    absolute(h, "path", path);
    List<String> env = h.strings("env");
    for (int i = 0; i < env.size(); i++) {
      checkEnv(h, "env[" + i + "]", env.get(i));
    }
    Long timeout = h.optionalSigned("timeout");
    if (timeout != null && (timeout <= 0 || timeout > Integer.MAX_VALUE)) {
      throw h.error("timeout", timeout + " is not a positive number of seconds");
    }
    return new Hook(
        stage, path, h.strings("args"), env, timeout == null ? null : timeout.intValue());
  }

  private static IntelRdt intelRdt(Fields r) {
    if (r.has("enableCMT") || r.has("enableMBM")) {
      String k = r.has("enableCMT") ? "enableCMT" : "enableMBM";
      throw r.error(k, "unknown field (removed in CDI 1.1.0; use enableMonitoring)");
    }
    r.allow("closID", "l3CacheSchema", "memBwSchema", "schemata", "enableMonitoring");
    String clos = r.string("closID");
    if (!clos.isEmpty()
        && !clos.equals("/")
        && (clos.equals(".")
            || clos.equals("..")
            || clos.contains("/")
            || clos.contains("\n")
            || clos.length() >= 4096)) {
      throw r.error("closID", "\"" + clos + "\" is not / or a file name");
    }
    return new IntelRdt(
        clos,
        r.string("l3CacheSchema"),
        r.string("memBwSchema"),
        r.strings("schemata"),
        r.bool("enableMonitoring"));
  }

  private static void checkEnv(Fields f, String field, String kv) {
    if (kv.indexOf('=') <= 0) {
      throw f.error(field, "\"" + kv + "\" is not NAME=VALUE");
    }
  }

  private static void absolute(Fields f, String field, String path) {
    if (!path.startsWith("/")) {
      throw f.error(field, "\"" + path + "\" is not an absolute path");
    }
  }

  /** An object's fields, with its path in the document for messages. */
  private record Fields(Obj obj, String path) {

    static Fields of(Node n, String path, String... allowed) {
      if (!(n instanceof Obj o)) {
        throw new CdiException(where(path, n) + "must be a mapping");
      }
      Fields f = new Fields(o, path);
      if (allowed.length > 0) {
        f.allow(allowed);
      }
      return f;
    }

    void allow(String... keys) {
      List<String> known = List.of(keys);
      for (String k : obj.fields().keySet()) {
        if (!known.contains(k)) {
          String hint =
              known.stream()
                  .filter(x -> x.equalsIgnoreCase(k))
                  .findFirst()
                  .map(x -> " (did you mean " + x + "? keys are case-sensitive)")
                  .orElse("");
          throw error(k, "unknown field" + hint);
        }
      }
    }

    boolean has(String key) {
      Node n = obj.fields().get(key);
      return n != null && !(n instanceof Scalar s && s.kind() == Kind.NULL);
    }

    CdiException error(String key, String why) {
      String p = path.isEmpty() ? key : path + "." + key;
      Node n = obj.fields().get(key);
      int line = n != null ? n.line() : obj.line();
      return new CdiException(p + (line > 0 ? " (line " + line + ")" : "") + ": " + why);
    }

    <T> T at(String key, Supplier<T> check) {
      try {
        return check.get();
      } catch (CdiException e) {
        throw error(key, e.getMessage());
      }
    }

    String requiredString(String key) {
      String s = string(key);
      if (s.isEmpty()) {
        throw error(key, "required");
      }
      return s;
    }

    /** A string field; "" when absent or null, as Go's decoder leaves it. */
    String string(String key) {
      Node n = obj.fields().get(key);
      return n == null ? "" : text(key, n);
    }

    private String text(String field, Node n) {
      if (!(n instanceof Scalar s)) {
        throw error(field, "must be a string");
      }
      return switch (s.kind()) {
        case STRING -> s.text();
        case NULL -> "";
        case INT -> {
          // Only a plain decimal integer reads the same as written: 0600, 0x1f and 1_0 do not.
          if (!s.text().matches("-?(0|[1-9][0-9]*)")) {
            throw error(
                field,
                "unquoted "
                    + s.text()
                    + " is the number "
                    + s.number()
                    + " in YAML 1.1 (as the reference reads it); quote it");
          }
          yield s.text();
        }
        case FLOAT -> throw error(field, "unquoted " + s.text() + " is a number in YAML; quote it");
        case BOOL ->
            throw error(
                field,
                "unquoted "
                    + s.text()
                    + " is the boolean "
                    + s.text().toLowerCase(Locale.ROOT).matches("y|yes|true|on")
                    + " in YAML 1.1 (as the reference reads it); quote it");
      };
    }

    List<String> strings(String key) {
      List<Node> items = array(key);
      List<String> out = new ArrayList<>();
      for (int i = 0; i < items.size(); i++) {
        out.add(text(key + "[" + i + "]", items.get(i)));
      }
      return out;
    }

    Map<String, String> stringMap(String key) {
      if (!has(key)) {
        return Map.of();
      }
      Node n = obj.fields().get(key);
      if (!(n instanceof Obj o)) {
        throw error(key, "must be a mapping of strings");
      }
      Map<String, String> out = new LinkedHashMap<>();
      for (Map.Entry<String, Node> e : o.fields().entrySet()) {
        out.put(e.getKey(), text(key + "." + e.getKey(), e.getValue()));
      }
      return out;
    }

    List<Node> array(String key) {
      if (!has(key)) {
        return List.of();
      }
      if (!(obj.fields().get(key) instanceof Arr a)) {
        throw error(key, "must be a list");
      }
      return a.items();
    }

    Fields object(String key) {
      return Fields.of(obj.fields().get(key), sub(key));
    }

    List<Fields> objects(String key) {
      List<Node> items = array(key);
      List<Fields> out = new ArrayList<>();
      for (int i = 0; i < items.size(); i++) {
        out.add(Fields.of(items.get(i), sub(key + "[" + i + "]")));
      }
      return out;
    }

    boolean bool(String key) {
      if (!has(key)) {
        return false;
      }
      if (!(obj.fields().get(key) instanceof Scalar s) || s.kind() != Kind.BOOL) {
        throw error(key, "must be true or false");
      }
      return s.text().toLowerCase(Locale.ROOT).matches("y|yes|true|on");
    }

    Long optionalSigned(String key) {
      return has(key)
          ? integer(
              key,
              obj.fields().get(key),
              BigInteger.ONE.shiftLeft(63).negate(),
              BigInteger.ONE.shiftLeft(63).subtract(BigInteger.ONE))
          : null;
    }

    Long optionalUnsigned(String key, int bits) {
      return has(key) ? unsigned(key, obj.fields().get(key), bits) : null;
    }

    long unsigned(String field, Node n, int bits) {
      return integer(
          field, n, BigInteger.ZERO, BigInteger.ONE.shiftLeft(bits).subtract(BigInteger.ONE));
    }

    private long integer(String field, Node n, BigInteger min, BigInteger max) {
      if (!(n instanceof Scalar s) || s.kind() != Kind.INT) {
        throw error(field, "must be an integer");
      }
      BigInteger v = new BigInteger(s.number().toString());
      if (v.compareTo(min) < 0 || v.compareTo(max) > 0) {
        throw error(field, s.text() + " is out of range " + min + ".." + max);
      }
      return v.longValue();
    }

    private String sub(String key) {
      return path.isEmpty() ? key : path + "." + key;
    }

    private static String where(String path, Node n) {
      return (path.isEmpty() ? "the document" : path)
          + (n != null && n.line() > 0 ? " (line " + n.line() + ")" : "")
          + ": ";
    }
  }
}
