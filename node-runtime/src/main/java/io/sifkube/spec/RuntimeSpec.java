package io.sifkube.spec;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sifkube.cdi.SpecEditor;
import io.sifkube.json.Json;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Builds the OCI runtime {@code config.json} for a container from the image config and the run
 * options, with SingularityCE OCI-mode defaults: PID, IPC and mount namespaces (UTS with a host
 * name, network with {@code --net}), a fresh {@code /dev} on tmpfs, an empty inheritable capability
 * set, the host's resolv.conf and hosts, and image {@code Volumes} never turned into host binds.
 * Pure: no I/O; the caller passes the image's passwd and group contents.
 */
public final class RuntimeSpec {

  private static final String LIBS = "/.singularity.d/libs";
  private static final String DEFAULT_PATH =
      "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

  private RuntimeSpec() {}

  /**
   * The spec for {@code image} (the image config document) run with {@code opts}.
   *
   * @param passwd the image's /etc/passwd ("" when absent)
   * @param group the image's /etc/group ("" when absent)
   * @throws IllegalArgumentException naming the option or image field that cannot be used
   */
  public static ObjectNode build(JsonNode image, RunOptions opts, String passwd, String group) {
    JsonNode cfg = image.path("config");
    List<String> args = args(cfg, opts);
    String userSpec = opts.user() != null ? opts.user() : cfg.path("User").asText("");
    ImageUsers.User user = ImageUsers.resolve(userSpec, passwd, group);
    UserNamespace userns = opts.extras().userNamespace();
    if (userns != null) {
      checkRootless(opts, userns);
      if (!userns.maps(user.uid(), user.gid())) {
        throw new IllegalArgumentException(
            "user "
                + user.uid()
                + ":"
                + user.gid()
                + " has no id in the container's user namespace (--fakeroot maps root and the"
                + " caller's /etc/subuid and /etc/subgid ranges); choose another with --user");
      }
    }
    String cwd = cwd(cfg, opts, user);

    ObjectNode spec = Json.object();
    spec.put("ociVersion", "1.0.2");
    ObjectNode process = spec.putObject("process");
    process.put("terminal", opts.extras().terminal());
    ObjectNode u = process.putObject("user");
    u.put("uid", user.uid());
    u.put("gid", user.gid());
    if (!user.additionalGids().isEmpty()) {
      ArrayNode g = u.putArray("additionalGids");
      user.additionalGids().forEach(g::add);
    }
    ArrayNode a = process.putArray("args");
    args.forEach(a::add);
    ArrayNode env = process.putArray("env");
    environment(cfg, opts, user).forEach(env::add);
    process.put("cwd", cwd);
    capabilities(process, opts, user.uid() == 0);
    process.put("noNewPrivileges", opts.noPrivs());
    ObjectNode rl = process.putArray("rlimits").addObject();
    rl.put("type", "RLIMIT_NOFILE");
    rl.put("hard", 1024);
    rl.put("soft", 1024);

    ObjectNode root = spec.putObject("root");
    root.put("path", "rootfs");
    root.put("readonly", !opts.compat() && !opts.extras().writableTmpfs());
    if (opts.hostname() != null) {
      spec.put("hostname", opts.hostname());
    }
    mounts(spec.putArray("mounts"), opts, user);
    linux(spec.putObject("linux"), opts);
    ObjectNode seccomp =
        Seccomp.forContainer(
            opts.extras().seccomp(),
            strings(process.path("capabilities").path("bounding")),
            Seccomp.hostArch());
    if (seccomp != null) {
      ((ObjectNode) spec.get("linux")).set("seccomp", seccomp);
    }
    // Last, as SingularityCE injects: the devices' uid and gid default to the user set above.
    SpecEditor.apply(spec, opts.extras().cdi(), userns != null);
    return spec;
  }

  static List<String> args(JsonNode cfg, RunOptions opts) {
    List<String> entrypoint = strings(cfg.path("Entrypoint"));
    List<String> cmd = strings(cfg.path("Cmd"));
    List<String> out = new ArrayList<>();
    if (opts.exec()) {
      out.addAll(opts.command());
    } else {
      out.addAll(entrypoint);
      out.addAll(opts.command().isEmpty() ? cmd : opts.command());
    }
    if (out.isEmpty()) {
      throw new IllegalArgumentException(
          opts.exec()
              ? "no command given to exec"
              : "the image has no ENTRYPOINT or CMD and no command was given");
    }
    return out;
  }

  private static String cwd(JsonNode cfg, RunOptions opts, ImageUsers.User user) {
    String cwd;
    if (opts.cwd() != null) {
      cwd = opts.cwd();
    } else if (sharesHost(opts) && opts.hostCwd() != null) {
      cwd = opts.hostCwd();
    } else {
      cwd = cfg.path("WorkingDir").asText("");
      if (cwd.isEmpty()) {
        cwd = "/";
      }
    }
    if (!cwd.startsWith("/") || cwd.contains("/../") || cwd.endsWith("/..")) {
      throw new IllegalArgumentException(
          "working directory \"" + cwd + "\" is not a clean absolute path");
    }
    return cwd;
  }

  private static List<String> environment(JsonNode cfg, RunOptions opts, ImageUsers.User user) {
    Map<String, String> env = new LinkedHashMap<>();
    put(env, DEFAULT_PATH);
    for (String e : strings(cfg.path("Env"))) {
      put(env, e);
    }
    env.putIfAbsent("HOME", user.home());
    homeDir(opts).ifPresent(h -> env.put("HOME", h));
    if (!opts.extras().containLibs().isEmpty()) {
      String ld = env.get("LD_LIBRARY_PATH");
      env.put("LD_LIBRARY_PATH", ld == null || ld.isEmpty() ? LIBS : ld + ":" + LIBS);
    }
    for (String e : opts.env()) {
      if (!e.contains("=") || e.startsWith("=")) {
        throw new IllegalArgumentException("--env \"" + e + "\" is not KEY=VALUE");
      }
      put(env, e);
    }
    List<String> out = new ArrayList<>();
    env.forEach((k, v) -> out.add(k + "=" + v));
    return out;
  }

  private static void put(Map<String, String> env, String kv) {
    int eq = kv.indexOf('=');
    if (eq > 0) {
      env.put(kv.substring(0, eq), kv.substring(eq + 1));
    }
  }

  private static void capabilities(ObjectNode process, RunOptions opts, boolean root) {
    List<String> caps;
    if (opts.noPrivs()) {
      caps = List.of();
    } else if (opts.extras().keepPrivs() && root) {
      caps = Capabilities.ALL;
    } else {
      caps = Capabilities.compute(opts.addCaps(), opts.dropCaps());
    }
    ObjectNode c = process.putObject("capabilities");
    ArrayNode bounding = c.putArray("bounding");
    caps.forEach(bounding::add);
    // A non-root user keeps only the bounding set, as SingularityCE does; nothing is inheritable.
    List<String> active = root ? caps : List.of();
    ArrayNode eff = c.putArray("effective");
    active.forEach(eff::add);
    ArrayNode perm = c.putArray("permitted");
    active.forEach(perm::add);
    c.putArray("inheritable");
    c.putArray("ambient");
  }

  private static void mounts(ArrayNode m, RunOptions opts, ImageUsers.User user) {
    RunOptions.Extras x = opts.extras();
    List<String> skip = x.noMount();
    if (!skip.contains("proc")) {
      mount(m, "/proc", "proc", "proc", List.of("nosuid", "noexec", "nodev"));
    }
    mount(m, "/dev", "tmpfs", "tmpfs", List.of("nosuid", "strictatime", "mode=755", "size=65536k"));
    if (!skip.contains("devpts")) {
      mount(
          m,
          "/dev/pts",
          "devpts",
          "devpts",
          List.of("nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620"));
    }
    if (x.sandbox() != null) {
      bind(m, x.sandbox().shm(), "/dev/shm", false); // the node's ranks meet here
    } else {
      mount(
          m,
          "/dev/shm",
          "tmpfs",
          "shm",
          List.of("nosuid", "noexec", "nodev", "mode=1777", "size=65536k"));
    }
    mount(m, "/dev/mqueue", "mqueue", "mqueue", List.of("nosuid", "noexec", "nodev"));
    UserNamespace userns = x.userNamespace();
    if (skip.contains("sys")) {
      // no /sys
    } else if (userns != null && userns.rootless() && !opts.network()) {
      // sysfs can only be mounted by the owner of the network namespace: bind the host's.
      bind(m, "/sys", "/sys", true);
    } else {
      mount(m, "/sys", "sysfs", "sysfs", List.of("nosuid", "noexec", "nodev", "ro"));
    }
    if (skip.contains("tmp")) {
      // leave /tmp and /var/tmp as the image has them
    } else if (x.workdir() != null) {
      bind(m, x.workdir() + "/tmp", "/tmp", false);
      bind(m, x.workdir() + "/var_tmp", "/var/tmp", false);
    } else if (!sharesHost(opts)) {
      mount(m, "/tmp", "tmpfs", "tmpfs", List.of("nosuid", "nodev", "mode=1777"));
    } else {
      bind(m, "/tmp", "/tmp", false);
    }
    if (sharesHost(opts)) {
      if (opts.hostCwd() != null && !opts.hostCwd().equals(opts.home())) {
        bind(m, opts.hostCwd(), opts.hostCwd(), false);
      }
    }
    String ownedBy = "uid=" + user.uid() + ",gid=" + user.gid();
    if (skip.contains("home")) {
      // no home mount at all
    } else if (x.home() != null && x.home().contains(":")) {
      String[] sd = x.home().split(":", 2);
      bind(m, sd[0], sd[1], false);
    } else if (x.home() != null) {
      mount(m, x.home(), "tmpfs", "tmpfs", List.of("nosuid", "nodev", "mode=0700," + ownedBy));
    } else if (!x.noHome() && !sharesHost(opts) && !user.home().equals("/")) {
      // OCI-mode default: an empty, private home that the run cannot leave anything in.
      mount(m, user.home(), "tmpfs", "tmpfs", List.of("nosuid", "nodev", "mode=0700," + ownedBy));
    } else if (!x.noHome() && sharesHost(opts) && opts.home() != null) {
      bind(m, opts.home(), opts.home(), false);
    }
    for (String dir : x.scratch()) {
      if (!dir.startsWith("/")) {
        throw new IllegalArgumentException("--scratch \"" + dir + "\" is not an absolute path");
      }
      if (x.workdir() != null) {
        // With --workdir, scratch space lives on the host disk, not in memory.
        bind(m, x.workdir() + "/scratch" + dir, dir, false);
      } else {
        mount(m, dir, "tmpfs", "tmpfs", List.of("nosuid", "nodev", "mode=1777"));
      }
    }
    for (String bin : x.hostBinaries()) {
      bind(m, bin, "/usr/bin/" + bin.substring(bin.lastIndexOf('/') + 1), true);
    }
    for (String lib : x.containLibs()) {
      String name = lib.substring(lib.lastIndexOf('/') + 1);
      bind(m, lib, "/.singularity.d/libs/" + name, true);
    }
    bind(m, x.resolvConf(), "/etc/resolv.conf", true);
    bind(m, "/etc/hosts", "/etc/hosts", true);
    for (RunOptions.Bind b : opts.binds()) {
      bind(m, b.source(), b.destination(), b.readOnly());
    }
  }

  /** Whether the caller's home, /tmp and current directory are bound: --no-compat, uncontained. */
  private static boolean sharesHost(RunOptions opts) {
    return !opts.compat() && !opts.extras().contain();
  }

  /** HOME when the options decide it: {@code --home}, or the caller's home without compat. */
  private static Optional<String> homeDir(RunOptions opts) {
    RunOptions.Extras x = opts.extras();
    if (x.home() != null) {
      String h = x.home().contains(":") ? x.home().split(":", 2)[1] : x.home();
      if (!h.startsWith("/")) {
        throw new IllegalArgumentException(
            "--home \"" + x.home() + "\": the home directory must be an absolute path");
      }
      return Optional.of(h);
    }
    if (!x.noHome() && sharesHost(opts) && opts.home() != null) {
      return Optional.of(opts.home());
    }
    return Optional.empty();
  }

  private static void mount(
      ArrayNode m, String dst, String type, String src, List<String> options) {
    ObjectNode n = m.addObject();
    n.put("destination", dst);
    n.put("type", type);
    n.put("source", src);
    ArrayNode o = n.putArray("options");
    options.forEach(o::add);
  }

  private static void bind(ArrayNode m, String src, String dst, boolean ro) {
    List<String> o = new ArrayList<>(List.of("rbind", "nosuid", "nodev"));
    o.add(ro ? "ro" : "rw");
    mount(m, dst, "none", src, o);
  }

  private static void linux(ObjectNode linux, RunOptions opts) {
    ArrayNode ns = linux.putArray("namespaces");
    RunOptions.Sandbox sandbox = opts.extras().sandbox();
    for (String t : List.of("pid", "ipc", "mount")) {
      ObjectNode n = ns.addObject().put("type", t);
      if (sandbox != null && !t.equals("mount")) {
        n.put("path", t.equals("pid") ? sandbox.pidNamespace() : sandbox.ipcNamespace());
      }
    }
    if (opts.hostname() != null || opts.extras().uts()) {
      ns.addObject().put("type", "uts");
    }
    if (opts.network()) {
      ns.addObject().put("type", "network");
    }
    UserNamespace userns = opts.extras().userNamespace();
    if (userns != null) {
      ns.addObject().put("type", "user");
      idMap(linux.putArray("uidMappings"), userns.uids());
      idMap(linux.putArray("gidMappings"), userns.gids());
    }
    // Rootless: no cgroups, so limits (refused above) and device rules go into a detached node.
    ObjectNode res =
        userns != null && userns.rootless() ? Json.object() : linux.putObject("resources");
    ArrayNode rules = res.putArray("devices");
    ObjectNode deny = rules.addObject();
    deny.put("allow", false);
    deny.put("access", "rwm");
    if (!opts.extras().devices().isEmpty()) {
      ArrayNode devs = linux.putArray("devices");
      for (RunOptions.Device d : opts.extras().devices()) {
        ObjectNode n = devs.addObject();
        n.put("path", d.path());
        n.put("type", d.type());
        n.put("major", d.major());
        n.put("minor", d.minor());
        n.put("fileMode", 0666);
        ObjectNode allow = rules.addObject();
        allow.put("allow", true);
        allow.put("type", d.type());
        allow.put("major", d.major());
        allow.put("minor", d.minor());
        allow.put("access", "rwm");
      }
    }
    RunOptions.Extras x = opts.extras();
    if (opts.memoryBytes() > 0 || x.memoryReservation() > 0 || x.memorySwap() > 0) {
      ObjectNode mem = res.putObject("memory");
      if (opts.memoryBytes() > 0) {
        mem.put("limit", opts.memoryBytes());
        mem.put("swap", x.memorySwap() > 0 ? x.memorySwap() : opts.memoryBytes());
      } else if (x.memorySwap() > 0) {
        mem.put("swap", x.memorySwap());
      }
      if (x.memoryReservation() > 0) {
        mem.put("reservation", x.memoryReservation());
      }
    }
    if (opts.cpus() > 0 || x.cpuShares() > 0 || x.cpusetCpus() != null) {
      ObjectNode cpu = res.putObject("cpu");
      if (opts.cpus() > 0) {
        long period = 100_000;
        cpu.put("quota", Math.round(opts.cpus() * period)).put("period", period);
      }
      if (x.cpuShares() > 0) {
        cpu.put("shares", x.cpuShares());
      }
      if (x.cpusetCpus() != null) {
        cpu.put("cpus", x.cpusetCpus());
      }
    }
    if (x.blkioWeight() > 0) {
      res.putObject("blockIO").put("weight", x.blkioWeight());
    }
    if (opts.pidsLimit() > 0) {
      res.putObject("pids").put("limit", opts.pidsLimit());
    }
    Resources.merge(res, x.resources());
    ArrayNode masked = linux.putArray("maskedPaths");
    for (String p :
        List.of(
            "/proc/acpi",
            "/proc/kcore",
            "/proc/keys",
            "/proc/latency_stats",
            "/proc/timer_list",
            "/proc/timer_stats",
            "/proc/sched_debug",
            "/proc/scsi",
            "/sys/firmware")) {
      masked.add(p);
    }
    ArrayNode ro = linux.putArray("readonlyPaths");
    for (String p :
        List.of(
            "/proc/asound",
            "/proc/bus",
            "/proc/fs",
            "/proc/irq",
            "/proc/sys",
            "/proc/sysrq-trigger")) {
      ro.add(p);
    }
  }

  private static void idMap(ArrayNode out, List<UserNamespace.IdMapping> map) {
    for (UserNamespace.IdMapping m : map) {
      out.addObject()
          .put("containerID", m.containerId())
          .put("hostID", m.hostId())
          .put("size", m.size());
    }
  }

  /**
   * Refuses what an unprivileged caller cannot have: cgroup limits (the runtime cannot create
   * cgroups for it on a v1 or hybrid host).
   */
  private static void checkRootless(RunOptions opts, UserNamespace userns) {
    if (!userns.rootless()) {
      return;
    }
    RunOptions.Extras x = opts.extras();
    List<String> asked = new ArrayList<>();
    if (opts.memoryBytes() > 0) {
      asked.add("--memory");
    }
    if (x.memoryReservation() > 0) {
      asked.add("--memory-reservation");
    }
    if (x.memorySwap() > 0) {
      asked.add("--memory-swap");
    }
    if (opts.cpus() > 0) {
      asked.add("--cpus");
    }
    if (x.cpuShares() > 0) {
      asked.add("--cpu-shares");
    }
    if (x.cpusetCpus() != null) {
      asked.add("--cpuset-cpus");
    }
    if (opts.pidsLimit() > 0) {
      asked.add("--pids-limit");
    }
    if (x.blkioWeight() > 0) {
      asked.add("--blkio-weight");
    }
    if (!x.resources().isEmpty()) {
      asked.add("--apply-cgroups and the other limit options");
    }
    if (!asked.isEmpty()) {
      throw new IllegalArgumentException(
          String.join(", ", asked)
              + ": cgroup limits need root; an unprivileged run cannot set them on this host");
    }
  }

  private static List<String> strings(JsonNode array) {
    List<String> out = new ArrayList<>();
    if (array.isArray()) {
      array.forEach(n -> out.add(n.asText()));
    }
    return out;
  }

  /** Parses a size such as {@code 512m}, {@code 2g}, {@code 1048576}. */
  public static long parseSize(String text) {
    String t = text.trim().toLowerCase(Locale.ROOT);
    if (t.matches(".*[kmgt]b")) {
      t = t.substring(0, t.length() - 1); // Docker's spelling: 1mb = 1m
    }
    long mult = 1;
    char last = t.isEmpty() ? ' ' : t.charAt(t.length() - 1);
    switch (last) {
      case 'k' -> mult = 1L << 10;
      case 'm' -> mult = 1L << 20;
      case 'g' -> mult = 1L << 30;
      case 't' -> mult = 1L << 40;
      case 'b' -> mult = 1;
      default -> {
        if (!Character.isDigit(last)) {
          throw new IllegalArgumentException("invalid size \"" + text + "\" (e.g. 512m, 2g)");
        }
      }
    }
    String digits = Character.isDigit(last) ? t : t.substring(0, t.length() - 1);
    if (digits.isEmpty() || !digits.chars().allMatch(Character::isDigit) || digits.length() > 15) {
      throw new IllegalArgumentException("invalid size \"" + text + "\" (e.g. 512m, 2g)");
    }
    long v = Long.parseLong(digits) * mult;
    if (v <= 0) {
      throw new IllegalArgumentException("size \"" + text + "\" must be positive");
    }
    return v;
  }
}
