package io.sifkube.spec;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sifkube.json.Json;
import java.util.Iterator;
import java.util.Map;

/**
 * Cgroup limits beyond the common flags: SingularityCE's {@code --apply-cgroups} file (the OCI
 * runtime spec's {@code LinuxResources} written as TOML, field names as in the spec) and the flags
 * that map onto the same fields. Pure: the caller reads the file and resolves device paths.
 */
public final class Resources {

  private enum Type {
    INT,
    BOOL,
    STRING,
    MAP
  }

  /** Each section and field a cgroups file may hold, and its type; anything else is refused. */
  private static final Map<String, Map<String, Object>> SCHEMA =
      Map.of(
          "memory",
          Map.of(
              "limit", Type.INT,
              "reservation", Type.INT,
              "swap", Type.INT,
              "kernel", Type.INT,
              "kernelTCP", Type.INT,
              "swappiness", Type.INT,
              "disableOOMKiller", Type.BOOL,
              "useHierarchy", Type.BOOL),
          "cpu",
          Map.of(
              "shares", Type.INT,
              "quota", Type.INT,
              "period", Type.INT,
              "realtimeRuntime", Type.INT,
              "realtimePeriod", Type.INT,
              "cpus", Type.STRING,
              "mems", Type.STRING),
          "pids",
          Map.of("limit", Type.INT),
          "blockIO",
          Map.of(
              "weight", Type.INT,
              "leafWeight", Type.INT,
              "weightDevice", deviceWeight(),
              "throttleReadBpsDevice", rate(),
              "throttleWriteBpsDevice", rate(),
              "throttleReadIOPSDevice", rate(),
              "throttleWriteIOPSDevice", rate()),
          "devices",
          Map.of(
              "allow", Type.BOOL,
              "type", Type.STRING,
              "major", Type.INT,
              "minor", Type.INT,
              "access", Type.STRING),
          "hugepageLimits",
          Map.of("pageSize", Type.STRING, "limit", Type.INT),
          "unified",
          Map.of("*", Type.MAP));

  private static Map<String, Object> deviceWeight() {
    return Map.of("major", Type.INT, "minor", Type.INT, "weight", Type.INT, "leafWeight", Type.INT);
  }

  private static Map<String, Object> rate() {
    return Map.of("major", Type.INT, "minor", Type.INT, "rate", Type.INT);
  }

  private Resources() {}

  /**
   * A cgroups file's tree (as the TOML reader gives it) checked against the spec's fields and
   * returned as {@code linux.resources} JSON.
   *
   * @throws IllegalArgumentException naming {@code source} and the section and field
   */
  public static ObjectNode fromCgroupsFile(JsonNode tree, String source) {
    if (!tree.isObject()) {
      throw new IllegalArgumentException(source + ": not a table of cgroup sections");
    }
    ObjectNode out = Json.object();
    for (Iterator<Map.Entry<String, JsonNode>> it = tree.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      Map<String, Object> fields = SCHEMA.get(e.getKey());
      if (fields == null) {
        throw new IllegalArgumentException(
            source
                + ": unknown section ["
                + e.getKey()
                + "]; the sections are "
                + String.join(", ", new java.util.TreeSet<>(SCHEMA.keySet())));
      }
      String where = source + ": [" + e.getKey() + "]";
      if (e.getKey().equals("devices") || e.getKey().equals("hugepageLimits")) {
        // arrays of tables: [[devices]]
        if (!e.getValue().isArray()) {
          throw new IllegalArgumentException(where + " must be a list ([[" + e.getKey() + "]])");
        }
        ArrayNode list = out.putArray(e.getKey());
        for (JsonNode item : e.getValue()) {
          list.add(table(item, fields, where));
        }
      } else if (e.getKey().equals("unified")) {
        ObjectNode u = out.putObject("unified");
        for (Iterator<Map.Entry<String, JsonNode>> f = e.getValue().fields(); f.hasNext(); ) {
          Map.Entry<String, JsonNode> kv = f.next();
          if (!kv.getValue().isTextual()) {
            throw new IllegalArgumentException(where + " " + kv.getKey() + " must be a string");
          }
          u.put(kv.getKey(), kv.getValue().asText());
        }
      } else {
        out.set(e.getKey(), table(e.getValue(), fields, where));
      }
    }
    JsonNode access = out.path("devices");
    for (JsonNode d : access) {
      String a = d.path("access").asText("rwm");
      if (!a.matches("[rwm]{1,3}")) {
        throw new IllegalArgumentException(
            source + ": [[devices]] access \"" + a + "\" is not made of r, w and m");
      }
    }
    return out;
  }

  @SuppressWarnings("unchecked")
  private static ObjectNode table(JsonNode node, Map<String, Object> fields, String where) {
    if (!node.isObject()) {
      throw new IllegalArgumentException(where + " is not a table");
    }
    ObjectNode out = Json.object();
    for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      Object type = fields.get(e.getKey());
      String field = where + " " + e.getKey();
      if (type == null) {
        throw new IllegalArgumentException(
            field + ": unknown field; known: " + new java.util.TreeSet<>(fields.keySet()));
      }
      JsonNode v = e.getValue();
      if (type instanceof Map<?, ?> sub) {
        if (!v.isArray()) {
          throw new IllegalArgumentException(field + " must be a list of tables");
        }
        ArrayNode list = out.putArray(e.getKey());
        for (JsonNode item : v) {
          list.add(table(item, (Map<String, Object>) sub, field));
        }
      } else if (type == Type.INT) {
        if (!v.isIntegralNumber()) {
          throw new IllegalArgumentException(field + " must be an integer, not " + v);
        }
        out.put(e.getKey(), v.asLong());
      } else if (type == Type.BOOL) {
        if (!v.isBoolean()) {
          throw new IllegalArgumentException(field + " must be true or false, not " + v);
        }
        out.put(e.getKey(), v.asBoolean());
      } else {
        if (!v.isTextual()) {
          throw new IllegalArgumentException(field + " must be a string, not " + v);
        }
        out.put(e.getKey(), v.asText());
      }
    }
    return out;
  }

  /**
   * Adds {@code extra} to the spec's {@code res}: fields of a section are set (the extra wins),
   * device rules are appended after the defaults (later rules win in the device cgroup).
   */
  public static void merge(ObjectNode res, ObjectNode extra) {
    for (Iterator<Map.Entry<String, JsonNode>> it = extra.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      if (e.getKey().equals("devices")) {
        ArrayNode rules =
            res.has("devices") ? (ArrayNode) res.get("devices") : res.putArray("devices");
        e.getValue().forEach(rule -> rules.add(rule.deepCopy()));
      } else if (e.getValue().isObject() && res.path(e.getKey()).isObject()) {
        ((ObjectNode) res.get(e.getKey())).setAll(((ObjectNode) e.getValue()).deepCopy());
      } else {
        res.set(e.getKey(), e.getValue().deepCopy());
      }
    }
  }
}
