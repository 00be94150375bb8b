package io.sifkube.spec;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sifkube.json.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Collection;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The seccomp filter of a container: the OCI runtime spec's {@code linux.seccomp}, from Sifkube's
 * default profile ({@link SeccompDefaultProfile}, whose rules depend on the container's
 * capabilities and the host's architecture) or from a profile the user gives in Docker's or the OCI
 * format, with Docker's {@code includes}/{@code excludes} resolved as podman and SingularityCE do.
 */
public final class Seccomp {

  /** Which filter a container gets. */
  public enum Kind {
    /** Sifkube's default profile (Kubernetes' name for the runtime's default). */
    RUNTIME_DEFAULT,
    /** No filter at all. */
    UNCONFINED,
    /** A profile the user gave. */
    PROFILE
  }

  /**
   * A choice of filter.
   *
   * @param kind which
   * @param profile the parsed profile for {@link Kind#PROFILE}, else null
   * @param source where the profile came from, for messages
   */
  public record Choice(Kind kind, JsonNode profile, String source) {
    public static final Choice DEFAULT = new Choice(Kind.RUNTIME_DEFAULT, null, "RuntimeDefault");
    public static final Choice NONE = new Choice(Kind.UNCONFINED, null, "unconfined");
  }

  private static final Set<String> ACTIONS =
      Set.of(
          "SCMP_ACT_KILL",
          "SCMP_ACT_KILL_PROCESS",
          "SCMP_ACT_KILL_THREAD",
          "SCMP_ACT_TRAP",
          "SCMP_ACT_ERRNO",
          "SCMP_ACT_TRACE",
          "SCMP_ACT_ALLOW",
          "SCMP_ACT_LOG");
  private static final Set<String> OPS =
      Set.of(
          "SCMP_CMP_NE",
          "SCMP_CMP_LT",
          "SCMP_CMP_LE",
          "SCMP_CMP_EQ",
          "SCMP_CMP_GE",
          "SCMP_CMP_GT",
          "SCMP_CMP_MASKED_EQ");

  private static JsonNode defaults;

  private Seccomp() {}

  /** The host's architecture in Go's (and Docker's profile) spelling: amd64, arm64, … */
  public static String hostArch() {
    String a = System.getProperty("os.arch").toLowerCase(Locale.ROOT);
    return switch (a) {
      case "x86_64", "amd64" -> "amd64";
      case "aarch64", "arm64" -> "arm64";
      default -> a;
    };
  }

  /**
   * A profile as the user gave it, checked: Docker's format ({@code archMap}, {@code includes}) or
   * the OCI runtime spec's ({@code architectures}).
   *
   * @throws IllegalArgumentException naming {@code source} and the field that is wrong
   */
  public static Choice parse(byte[] json, String source) {
    JsonNode p;
    try {
      p = Json.read(json);
    } catch (IOException e) {
      throw new IllegalArgumentException(source + ": not a JSON seccomp profile");
    }
    if (!p.isObject()) {
      throw new IllegalArgumentException(source + ": not a JSON seccomp profile");
    }
    action(p.path("defaultAction"), source, "defaultAction");
    JsonNode calls = p.path("syscalls");
    if (!calls.isMissingNode() && !calls.isArray()) {
      throw new IllegalArgumentException(source + ": syscalls is not a list");
    }
    int i = 0;
    for (JsonNode r : calls) {
      String where = "syscalls[" + i++ + "]";
      if (names(r).isEmpty()) {
        throw new IllegalArgumentException(source + ": " + where + " names no system call");
      }
      action(r.path("action"), source, where + ".action");
      int j = 0;
      for (JsonNode arg : r.path("args")) {
        String at = where + ".args[" + j++ + "]";
        if (!arg.path("index").canConvertToInt() || arg.path("index").asInt() > 5) {
          throw new IllegalArgumentException(source + ": " + at + ".index must be 0 to 5");
        }
        if (!OPS.contains(arg.path("op").asText())) {
          throw new IllegalArgumentException(
              source + ": " + at + ".op \"" + arg.path("op").asText() + "\" is not an SCMP_CMP_*");
        }
      }
    }
    return new Choice(Kind.PROFILE, p, source);
  }

  private static void action(JsonNode a, String source, String field) {
    if (!ACTIONS.contains(a.asText())) {
      throw new IllegalArgumentException(
          source
              + ": "
              + field
              + " \""
              + a.asText()
              + "\" is not one of "
              + new TreeSet<>(ACTIONS)
              + (a.asText().equals("SCMP_ACT_NOTIFY") ? " (notify needs a listener)" : ""));
    }
  }

  /**
   * {@code linux.seccomp} for a container with {@code caps} (its bounding set) on {@code arch}, or
   * null when it runs unconfined.
   */
  public static ObjectNode forContainer(Choice choice, Collection<String> caps, String arch) {
    return switch (choice.kind()) {
      case UNCONFINED -> null;
      case RUNTIME_DEFAULT -> runtimeDefault(caps, arch);
      case PROFILE -> fromProfile(choice.profile(), caps, arch);
    };
  }

  /** Sifkube's default profile for {@code caps} on {@code arch}. */
  static ObjectNode runtimeDefault(Collection<String> caps, String arch) {
    JsonNode d = defaults();
    ObjectNode out = Json.object();
    out.put("defaultAction", "SCMP_ACT_ERRNO");
    out.put("defaultErrnoRet", d.path("defaultErrnoRet").asInt());
    ArrayNode arches = out.putArray("architectures");
    d.path("architectures").path(arch).forEach(arches::add);
    // One allow rule for every unconditional name: libseccomp refuses a second rule for a call.
    Set<String> allow = new TreeSet<>();
    d.path("allow").forEach(n -> allow.add(n.asText()));
    d.path("allowOnArch").path(arch).forEach(n -> allow.add(n.asText()));
    for (Iterator<Map.Entry<String, JsonNode>> it = d.path("allowWithCapability").fields();
        it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      if (caps.contains(e.getKey())) {
        e.getValue().forEach(n -> allow.add(n.asText()));
      }
    }
    ArrayNode calls = out.putArray("syscalls");
    ObjectNode all = calls.addObject();
    ArrayNode names = all.putArray("names");
    allow.forEach(names::add);
    all.put("action", "SCMP_ACT_ALLOW");
    for (JsonNode r : d.path("rules")) {
      String need = r.path("ifCapability").asText(null);
      String unless = r.path("unlessCapability").asText(null);
      if ((need != null && !caps.contains(need)) || (unless != null && caps.contains(unless))) {
        continue;
      }
      calls.add(rule(r));
    }
    return out;
  }

  /** A user's profile in the OCI form for {@code caps} on {@code arch}. */
  static ObjectNode fromProfile(JsonNode p, Collection<String> caps, String arch) {
    ObjectNode out = Json.object();
    out.put("defaultAction", p.path("defaultAction").asText());
    if (p.has("defaultErrnoRet")) {
      out.put("defaultErrnoRet", p.path("defaultErrnoRet").asInt());
    }
    ArrayNode arches = out.putArray("architectures");
    if (p.path("architectures").isArray()) {
      p.path("architectures").forEach(arches::add);
    } else {
      String scmp = "SCMP_ARCH_" + scmpArch(arch);
      for (JsonNode m : p.path("archMap")) {
        if (m.path("architecture").asText().equals(scmp)) {
          arches.add(scmp);
          m.path("subArchitectures").forEach(arches::add);
        }
      }
    }
    if (arches.isEmpty()) {
      out.remove("architectures");
    }
    ArrayNode calls = out.putArray("syscalls");
    for (JsonNode r : p.path("syscalls")) {
      if (applies(r.path("includes"), r.path("excludes"), caps, arch)) {
        calls.add(rule(r));
      }
    }
    return out;
  }

  private static boolean applies(
      JsonNode includes, JsonNode excludes, Collection<String> caps, String arch) {
    for (JsonNode c : includes.path("caps")) {
      if (!caps.contains(c.asText())) {
        return false;
      }
    }
    if (includes.path("arches").isArray() && !includes.path("arches").isEmpty()) {
      boolean hit = false;
      for (JsonNode a : includes.path("arches")) {
        hit |= a.asText().equals(arch);
      }
      if (!hit) {
        return false;
      }
    }
    for (JsonNode c : excludes.path("caps")) {
      if (caps.contains(c.asText())) {
        return false;
      }
    }
    for (JsonNode a : excludes.path("arches")) {
      if (a.asText().equals(arch)) {
        return false;
      }
    }
    return true;
  }

  /** A rule as the OCI spec has it: names, action, errnoRet, args; nothing else. */
  private static ObjectNode rule(JsonNode r) {
    ObjectNode o = Json.object();
    ArrayNode names = o.putArray("names");
    names(r).forEach(names::add);
    o.put("action", r.path("action").asText());
    if (r.has("errnoRet")) {
      o.put("errnoRet", r.path("errnoRet").asInt());
    }
    if (r.path("args").isArray() && !r.path("args").isEmpty()) {
      ArrayNode args = o.putArray("args");
      for (JsonNode a : r.path("args")) {
        ObjectNode x = args.addObject();
        x.put("index", a.path("index").asInt());
        x.put("value", a.path("value").asLong());
        if (a.has("valueTwo")) {
          x.put("valueTwo", a.path("valueTwo").asLong());
        }
        x.put("op", a.path("op").asText());
      }
    }
    return o;
  }

  private static List<String> names(JsonNode r) {
    if (r.path("names").isArray()) {
      List<String> out = new java.util.ArrayList<>();
      r.path("names").forEach(n -> out.add(n.asText()));
      out.removeIf(String::isEmpty);
      return out;
    }
    String one = r.path("name").asText(""); // Docker's older format
    return one.isEmpty() ? List.of() : List.of(one);
  }

  private static String scmpArch(String goArch) {
    return switch (goArch) {
      case "amd64" -> "X86_64";
      case "arm64" -> "AARCH64";
      case "386" -> "X86";
      default -> goArch.toUpperCase(Locale.ROOT);
    };
  }

  private static synchronized JsonNode defaults() {
    if (defaults == null) {
      try {
        defaults = Json.read(SeccompDefaultProfile.JSON);
      } catch (IOException e) {
        throw new UncheckedIOException(e); // the build's tests parse it
      }
    }
    return defaults;
  }
}
