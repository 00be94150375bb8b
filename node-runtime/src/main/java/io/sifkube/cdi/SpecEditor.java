package io.sifkube.cdi;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.sifkube.cdi.ContainerEdits.DeviceNode;
import io.sifkube.cdi.ContainerEdits.Hook;
import io.sifkube.cdi.ContainerEdits.IntelRdt;
import io.sifkube.cdi.ContainerEdits.Mount;
import io.sifkube.json.Json;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Applies an {@link Injection} to an OCI runtime spec as the reference library's {@code
 * ContainerEdits.Apply} does (its main branch): env, device nodes, mounts, hooks, Intel RDT,
 * additional groups, in that order. Pure: the injection's host nodes were looked at already.
 *
 * <ul>
 *   <li>env: a key the spec has is replaced in place, else appended; never two entries for a key.
 *   <li>device nodes: an existing {@code linux.devices} entry of the same path is replaced; uid and
 *       gid default to the process user's when that is not root; block and character nodes get a
 *       device-cgroup allow rule with the node's permissions ({@code rwm} when empty, none for
 *       {@code none}). In a user namespace, where no runtime can {@code mknod}, the host node is
 *       bind-mounted at the container path instead (as podman does), which also carries a node
 *       whose host path differs.
 *   <li>mounts: the first mount at the same destination (compared as written) is replaced; then
 *       every mount is sorted, stably, parents first, by the depth of its destination.
 *   <li>hooks are appended to their stage; Intel RDT replaces {@code linux.intelRdt}; additional
 *       groups other than 0 are added once.
 * </ul>
 *
 * <p>Bind mounts are not given {@code idmap} under a user namespace, as the reference's main branch
 * does: Sifkube's own binds are not idmapped either, and runc 1.1 cannot.
 */
public final class SpecEditor {

  private SpecEditor() {}

  /**
   * Applies {@code injection} to {@code spec}, which must have its {@code process.user} set.
   *
   * @param userNamespace whether the container gets a user namespace (device nodes are bound)
   */
  public static void apply(ObjectNode spec, Injection injection, boolean userNamespace) {
    ContainerEdits e = injection.edits();
    if (injection.isEmpty()) {
      return;
    }
    ObjectNode process = object(spec, "process");
    if (!e.env().isEmpty()) {
      env(array(process, "env"), e.env());
    }
    ObjectNode linux = object(spec, "linux");
    List<ObjectNode> binds = new ArrayList<>();
    if (!e.deviceNodes().isEmpty()) {
      JsonNode user = process.path("user");
      long uid = user.path("uid").asLong(0);
      long gid = user.path("gid").asLong(0);
      for (DeviceNode d : e.deviceNodes()) {
        if (userNamespace) {
          binds.add(mount(d.path(), "bind", d.hostNode(), List.of("bind", "nosuid")));
        } else {
          device(array(linux, "devices"), d, uid, gid);
        }
        if ((d.type().equals("b") || d.type().equals("c")) && linux.has("resources")) {
          ObjectNode rule = array(object(linux, "resources"), "devices").addObject();
          rule.put("allow", true);
          rule.put("type", d.type());
          rule.put("major", d.major());
          rule.put("minor", d.minor());
          rule.put("access", access(d.permissions()));
        }
      }
    }
    List<ObjectNode> mounts = new ArrayList<>(binds);
    for (Mount m : e.mounts()) {
      mounts.add(mount(m.containerPath(), m.type(), m.hostPath(), m.options()));
    }
    if (!mounts.isEmpty()) {
      mounts(array(spec, "mounts"), mounts);
    }
    for (Hook h : e.hooks()) {
      ObjectNode hook = array(object(spec, "hooks"), h.hookName()).addObject();
      hook.put("path", h.path());
      strings(hook, "args", h.args());
      strings(hook, "env", h.env());
      if (h.timeout() != null) {
        hook.put("timeout", h.timeout());
      }
    }
    if (e.intelRdt() != null) {
      linux.set("intelRdt", intelRdt(e.intelRdt()));
    }
    if (!e.additionalGids().isEmpty()) {
      ArrayNode gids = array(object(process, "user"), "additionalGids");
      for (long g : e.additionalGids()) {
        boolean present = false;
        for (JsonNode x : gids) {
          present |= x.asLong() == g;
        }
        if (g != 0 && !present) {
          gids.add(g);
        }
      }
    }
  }

  /** The cgroup access of {@code permissions}: rwm when empty, nothing for {@code none}. */
  static String access(String permissions) {
    return permissions.isEmpty() ? "rwm" : permissions.equals("none") ? "" : permissions;
  }

  private static void env(ArrayNode env, List<String> edits) {
    for (String kv : edits) {
      String key = kv.substring(0, kv.indexOf('=') + 1);
      int at = -1;
      for (int i = 0; i < env.size() && at < 0; i++) {
        if (env.get(i).asText().startsWith(key)) {
          at = i;
        }
      }
      if (at >= 0) {
        env.set(at, TextNode.valueOf(kv));
      } else {
        env.add(kv);
      }
    }
  }

  private static void device(ArrayNode devices, DeviceNode d, long uid, long gid) {
    for (int i = devices.size() - 1; i >= 0; i--) {
      if (devices.get(i).path("path").asText().equals(d.path())) {
        devices.remove(i);
      }
    }
    ObjectNode n = devices.addObject();
    n.put("path", d.path());
    n.put("type", d.type());
    n.put("major", d.major());
    n.put("minor", d.minor());
    if (d.fileMode() != null) {
      n.put("fileMode", d.fileMode());
    }
    Long u = d.uid() != null ? d.uid() : uid > 0 ? Long.valueOf(uid) : null;
    Long g = d.gid() != null ? d.gid() : gid > 0 ? Long.valueOf(gid) : null;
    if (u != null) {
      n.put("uid", u);
    }
    if (g != null) {
      n.put("gid", g);
    }
  }

  private static ObjectNode mount(String dst, String type, String src, List<String> options) {
    ObjectNode m = Json.object();
    m.put("destination", dst);
    if (type != null && !type.isEmpty()) {
      m.put("type", type);
    }
    m.put("source", src);
    if (!options.isEmpty()) {
      ArrayNode o = m.putArray("options");
      options.forEach(o::add);
    }
    return m;
  }

  private static void mounts(ArrayNode existing, List<ObjectNode> added) {
    List<JsonNode> all = new ArrayList<>();
    existing.forEach(all::add);
    for (ObjectNode m : added) {
      String dst = m.path("destination").asText();
      for (int i = 0; i < all.size(); i++) {
        if (all.get(i).path("destination").asText().equals(dst)) {
          all.remove(i);
          break;
        }
      }
      all.add(m);
    }
    // A stable sort by depth (parents first), written out: a comparator lambda is linked at run
    // time, which a one-shot sifctl pays for at every start.
    int[] depths = new int[all.size()];
    for (int i = 0; i < all.size(); i++) {
      depths[i] = depth(all.get(i).path("destination").asText());
    }
    existing.removeAll();
    for (int d = 0, left = all.size(); left > 0; d++) {
      for (int i = 0; i < all.size(); i++) {
        if (depths[i] == d) {
          existing.add(all.get(i));
          left--;
        }
      }
    }
  }

  /** The number of '/' in the cleaned path: parents sort before what is mounted in them. */
  static int depth(String destination) {
    String clean = Path.of(destination).normalize().toString();
    int n = 0;
    for (int i = 0; i < clean.length(); i++) {
      n += clean.charAt(i) == '/' ? 1 : 0;
    }
    return n;
  }

  private static ObjectNode intelRdt(IntelRdt r) {
    ObjectNode o = Json.object();
    if (!r.closID().isEmpty()) {
      o.put("closID", r.closID());
    }
    if (!r.l3CacheSchema().isEmpty()) {
      o.put("l3CacheSchema", r.l3CacheSchema());
    }
    if (!r.memBwSchema().isEmpty()) {
      o.put("memBwSchema", r.memBwSchema());
    }
    strings(o, "schemata", r.schemata());
    if (r.enableMonitoring()) {
      o.put("enableMonitoring", true);
    }
    return o;
  }

  private static void strings(ObjectNode o, String key, List<String> values) {
    if (!values.isEmpty()) {
      ArrayNode a = o.putArray(key);
      values.forEach(a::add);
    }
  }

  private static ObjectNode object(ObjectNode parent, String key) {
    JsonNode n = parent.get(key);
    return n instanceof ObjectNode o ? o : parent.putObject(key);
  }

  private static ArrayNode array(ObjectNode parent, String key) {
    JsonNode n = parent.get(key);
    return n instanceof ArrayNode a ? a : parent.putArray(key);
  }
}
