package io.sifkube.spec;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sifkube.cdi.Injection;
import io.sifkube.json.Json;
import java.util.List;
import java.util.Map;

/**
 * What the user asked for when running a container, independent of the image.
 *
 * @param exec true for {@code exec} (the command replaces ENTRYPOINT and CMD), false for {@code
 *     run} (arguments replace CMD)
 * @param command the command ({@code exec}) or arguments ({@code run}); empty for the image's
 * @param env extra {@code KEY=VALUE} entries; they override the image's
 * @param cwd the working directory, or null for the image's
 * @param user {@code name|uid[:group|gid]} to run as, or null for the image's USER
 * @param hostname a host name (implies a UTS namespace), or null
 * @param binds bind mounts from the host
 * @param compat true: writable root on a throw-away overlay (OCI-mode default); false: read-only
 *     root with $HOME, the current directory and /tmp bound from the host
 * @param home the caller's home directory, bound in when not {@code compat}
 * @param hostCwd the caller's working directory, bound in and used as cwd when not {@code compat}
 * @param noPrivs drop every capability and set no_new_privs
 * @param addCaps capabilities to add ({@code CAP_…})
 * @param dropCaps capabilities to drop ({@code CAP_…})
 * @param memoryBytes memory limit, or 0 for none
 * @param cpus CPU limit in cores, or 0 for none
 * @param pidsLimit the most processes, or 0 for no limit
 * @param network true for a new (empty) network namespace; false shares the host's, as
 *     SingularityCE does by default
 * @param extras the less common options
 */
public record RunOptions(
    boolean exec,
    List<String> command,
    List<String> env,
    String cwd,
    String user,
    String hostname,
    List<Bind> binds,
    boolean compat,
    String home,
    String hostCwd,
    boolean noPrivs,
    List<String> addCaps,
    List<String> dropCaps,
    long memoryBytes,
    double cpus,
    long pidsLimit,
    boolean network,
    Extras extras) {

  /**
   * Less common options.
   *
   * @param dns name servers for the container's resolv.conf; empty for the host's
   * @param resolvConf host file bound as /etc/resolv.conf (the host's own unless {@code --dns})
   * @param home {@code DIR} (a tmpfs there, HOME=DIR) or {@code SRC:DST} (SRC bound at DST,
   *     HOME=DST), or null for the default: an empty tmpfs at the user's home in compat mode, the
   *     caller's home bound otherwise
   * @param noHome mount nothing at the home directory
   * @param scratch directories that get a fresh tmpfs each
   * @param uts a new UTS namespace even without a host name
   * @param keepPrivs root keeps every capability
   * @param memoryReservation soft memory limit in bytes, or 0
   * @param memorySwap memory + swap limit in bytes, or 0 (default: same as the memory limit)
   * @param cpuShares relative CPU weight, or 0
   * @param cpusetCpus CPUs to run on ("0-3,6"), or null
   * @param blkioWeight block I/O weight (10..1000), or 0
   * @param noMount default mounts to leave out: proc, sys, devpts, tmp, home
   * @param containLibs host libraries bound into /.singularity.d/libs ({@code SIFKUBE_CONTAINLIBS})
   * @param workdir a host directory that provides /tmp and /var/tmp (and scratch dirs), or null
   * @param overlays {@code --overlay} values, {@code PATH[:ro]}: directories, squashfs or ext3
   *     images, bottom first
   * @param terminal give the process the caller's terminal ({@code sifctl shell} on a TTY)
   * @param devices host device nodes to create in the container and allow ({@code --nv}, {@code
   *     --rocm})
   * @param hostBinaries host programs bound into the container's /usr/bin (driver tools)
   * @param fakeroot {@code --fakeroot}: root inside a user namespace
   * @param userNamespace the user namespace the launcher planned for the caller, or null for none
   * @param cdi the CDI devices to inject, resolved ({@code --device})
   * @param seccomp the container's seccomp filter ({@code --security seccomp:…})
   * @param contain with {@code --no-compat}: a tmpfs /tmp and home, no binds of the host's, as
   *     SingularityCE's {@code --contain}; compat mode is contained already
   * @param writableTmpfs a writable root (on the run's throw-away overlay) without compat
   * @param resources more of {@code linux.resources} ({@code --apply-cgroups}, {@code --cpu-quota},
   *     …), merged over what the fields above give
   * @param sandbox namespaces and {@code /dev/shm} shared with other containers, or null
   * @param files small read-only files to place in the container: absolute path to content
   */
  public record Extras(
      List<String> dns,
      String resolvConf,
      String home,
      boolean noHome,
      List<String> scratch,
      boolean uts,
      boolean keepPrivs,
      long memoryReservation,
      long memorySwap,
      long cpuShares,
      String cpusetCpus,
      long blkioWeight,
      List<String> noMount,
      List<String> containLibs,
      String workdir,
      List<String> overlays,
      boolean terminal,
      List<Device> devices,
      List<String> hostBinaries,
      boolean fakeroot,
      UserNamespace userNamespace,
      Injection cdi,
      Seccomp.Choice seccomp,
      boolean contain,
      boolean writableTmpfs,
      ObjectNode resources,
      Sandbox sandbox,
      Map<String, String> files) {

    /** The mounts {@code --no-mount} can leave out. */
    public static final List<String> OPTIONAL_MOUNTS =
        List.of("proc", "sys", "devpts", "tmp", "home");

    /** No extra options. */
    public static final Extras NONE =
        new Extras(
            List.of(),
            "/etc/resolv.conf",
            null,
            false,
            List.of(),
            false,
            false,
            0,
            0,
            0,
            null,
            0,
            List.of(),
            List.of(),
            null,
            List.of(),
            false,
            List.of(),
            List.of(),
            false,
            null,
            Injection.NONE,
            Seccomp.Choice.DEFAULT,
            false,
            false,
            Json.object(),
            null,
            Map.of());

    /** A builder starting from these options. */
    public Builder toBuilder() {
      Builder b = new Builder();
      b.dns = dns;
      b.resolvConf = resolvConf;
      b.home = home;
      b.noHome = noHome;
      b.scratch = scratch;
      b.uts = uts;
      b.keepPrivs = keepPrivs;
      b.memoryReservation = memoryReservation;
      b.memorySwap = memorySwap;
      b.cpuShares = cpuShares;
      b.cpusetCpus = cpusetCpus;
      b.blkioWeight = blkioWeight;
      b.noMount = noMount;
      b.containLibs = containLibs;
      b.workdir = workdir;
      b.overlays = overlays;
      b.terminal = terminal;
      b.devices = devices;
      b.hostBinaries = hostBinaries;
      b.fakeroot = fakeroot;
      b.userNamespace = userNamespace;
      b.cdi = cdi;
      b.seccomp = seccomp;
      b.contain = contain;
      b.writableTmpfs = writableTmpfs;
      b.resources = resources;
      b.sandbox = sandbox;
      b.files = files;
      return b;
    }

    /** A builder starting from {@link #NONE}. */
    public static Builder builder() {
      return NONE.toBuilder();
    }

    /** Builds {@link Extras} one option at a time. */
    public static final class Builder {
      private List<String> dns;
      private String resolvConf;
      private String home;
      private boolean noHome;
      private List<String> scratch;
      private boolean uts;
      private boolean keepPrivs;
      private long memoryReservation;
      private long memorySwap;
      private long cpuShares;
      private String cpusetCpus;
      private long blkioWeight;
      private List<String> noMount;
      private List<String> containLibs;
      private String workdir;
      private List<String> overlays;
      private boolean terminal;
      private List<Device> devices;
      private List<String> hostBinaries;
      private boolean fakeroot;
      private UserNamespace userNamespace;
      private Injection cdi;
      private Seccomp.Choice seccomp;
      private boolean contain;
      private boolean writableTmpfs;
      private ObjectNode resources;
      private Sandbox sandbox;
      private Map<String, String> files;

      public Builder dns(List<String> value) {
        this.dns = value;
        return this;
      }

      public Builder resolvConf(String value) {
        this.resolvConf = value;
        return this;
      }

      public Builder home(String value) {
        this.home = value;
        return this;
      }

      public Builder noHome(boolean value) {
        this.noHome = value;
        return this;
      }

      public Builder scratch(List<String> value) {
        this.scratch = value;
        return this;
      }

      public Builder uts(boolean value) {
        this.uts = value;
        return this;
      }

      public Builder keepPrivs(boolean value) {
        this.keepPrivs = value;
        return this;
      }

      public Builder memoryReservation(long value) {
        this.memoryReservation = value;
        return this;
      }

      public Builder memorySwap(long value) {
        this.memorySwap = value;
        return this;
      }

      public Builder cpuShares(long value) {
        this.cpuShares = value;
        return this;
      }

      public Builder cpusetCpus(String value) {
        this.cpusetCpus = value;
        return this;
      }

      public Builder blkioWeight(long value) {
        this.blkioWeight = value;
        return this;
      }

      public Builder noMount(List<String> value) {
        this.noMount = value;
        return this;
      }

      public Builder containLibs(List<String> value) {
        this.containLibs = value;
        return this;
      }

      public Builder workdir(String value) {
        this.workdir = value;
        return this;
      }

      public Builder overlays(List<String> value) {
        this.overlays = value;
        return this;
      }

      public Builder terminal(boolean value) {
        this.terminal = value;
        return this;
      }

      public Builder devices(List<Device> value) {
        this.devices = value;
        return this;
      }

      public Builder hostBinaries(List<String> value) {
        this.hostBinaries = value;
        return this;
      }

      public Builder fakeroot(boolean value) {
        this.fakeroot = value;
        return this;
      }

      public Builder userNamespace(UserNamespace value) {
        this.userNamespace = value;
        return this;
      }

      public Builder cdi(Injection value) {
        this.cdi = value;
        return this;
      }

      public Builder seccomp(Seccomp.Choice value) {
        this.seccomp = value;
        return this;
      }

      public Builder contain(boolean value) {
        this.contain = value;
        return this;
      }

      public Builder writableTmpfs(boolean value) {
        this.writableTmpfs = value;
        return this;
      }

      public Builder resources(ObjectNode value) {
        this.resources = value;
        return this;
      }

      public Builder sandbox(Sandbox value) {
        this.sandbox = value;
        return this;
      }

      public Builder files(Map<String, String> value) {
        this.files = Map.copyOf(value);
        return this;
      }

      public Extras build() {
        return new Extras(
            dns,
            resolvConf,
            home,
            noHome,
            scratch,
            uts,
            keepPrivs,
            memoryReservation,
            memorySwap,
            cpuShares,
            cpusetCpus,
            blkioWeight,
            noMount,
            containLibs,
            workdir,
            overlays,
            terminal,
            devices,
            hostBinaries,
            fakeroot,
            userNamespace,
            cdi,
            seccomp,
            contain,
            writableTmpfs,
            resources,
            sandbox,
            files);
      }
    }

    /** The same, with the caller's terminal given to the process or not. */
    public Extras withTerminal(boolean on) {
      return toBuilder().terminal(on).build();
    }

    /** The same, binding {@code file} as /etc/resolv.conf. */
    public Extras withResolvConf(String file) {
      return toBuilder().resolvConf(file).build();
    }
  }

  /**
   * Namespaces and a {@code /dev/shm} that several containers share, as the containers of a pod do:
   * the ranks of a parallel run on one node (issue #19), so that MPI finds its node-local peers
   * through shared memory. The namespaces are joined, not created.
   *
   * @param pidNamespace a {@code /proc/PID/ns/pid} path to join
   * @param ipcNamespace a {@code /proc/PID/ns/ipc} path to join
   * @param shm a host directory (its own tmpfs) bound as {@code /dev/shm}
   */
  public record Sandbox(String pidNamespace, String ipcNamespace, String shm) {}

  /**
   * A host device node to make in the container.
   *
   * @param path its path, the same inside and out
   * @param type "c" (character) or "b" (block)
   * @param major major number
   * @param minor minor number
   */
  public record Device(String path, String type, long major, long minor) {}

  /** The same options running {@code command} ({@code exec}) or with it as arguments. */
  public RunOptions withCommand(boolean execute, List<String> newCommand) {
    return toBuilder().exec(execute).command(newCommand).build();
  }

  /** The same options with other extras. */
  public RunOptions withExtras(Extras e) {
    return toBuilder().extras(e).build();
  }

  /**
   * A bind mount.
   *
   * @param source host path
   * @param destination container path
   * @param readOnly whether it is read-only
   */
  public record Bind(String source, String destination, boolean readOnly) {

    /**
     * Parses {@code type=bind,src=…,dst=…[,ro]}, the {@code --mount} syntax SingularityCE takes.
     *
     * @throws IllegalArgumentException naming the value when it has another shape
     */
    public static Bind parseMount(String spec) {
      String src = null;
      String dst = null;
      boolean ro = false;
      for (String kv : spec.split(",")) {
        String[] p = kv.split("=", 2);
        switch (p[0]) {
          case "type" -> {
            if (p.length != 2 || !p[1].equals("bind")) {
              throw new IllegalArgumentException(
                  "--mount " + spec + ": only type=bind is supported");
            }
          }
          case "src", "source" -> src = p.length == 2 ? p[1] : null;
          case "dst", "destination", "target" -> dst = p.length == 2 ? p[1] : null;
          case "ro", "readonly" -> ro = p.length == 1 || p[1].equals("true");
          case "rw" -> ro = false;
          default ->
              throw new IllegalArgumentException("--mount " + spec + ": unknown field " + p[0]);
        }
      }
      if (src == null || dst == null) {
        throw new IllegalArgumentException("--mount " + spec + ": needs src= and dst=");
      }
      return parse(src + ":" + dst + (ro ? ":ro" : ":rw"));
    }

    /**
     * Parses {@code src[:dst[:ro|rw]]}, as {@code --bind} takes it.
     *
     * @throws IllegalArgumentException naming the value when it has another shape
     */
    public static Bind parse(String spec) {
      String[] p = spec.split(":", -1);
      if (p.length > 3 || p[0].isEmpty()) {
        throw new IllegalArgumentException(
            "invalid bind \"" + spec + "\" (expected src[:dst[:ro|rw]])");
      }
      String dst = p.length > 1 && !p[1].isEmpty() ? p[1] : p[0];
      boolean ro = false;
      if (p.length == 3) {
        if (!p[2].equals("ro") && !p[2].equals("rw")) {
          throw new IllegalArgumentException(
              "invalid bind option \"" + p[2] + "\" in \"" + spec + "\" (ro or rw)");
        }
        ro = p[2].equals("ro");
      }
      if (!dst.startsWith("/")) {
        throw new IllegalArgumentException(
            "bind destination \"" + dst + "\" is not an absolute path");
      }
      return new Bind(p[0], dst, ro);
    }
  }

  /** Defaults for {@code exec} or {@code run} of {@code command}: compat mode, no limits. */
  public static RunOptions of(boolean exec, List<String> command) {
    return builder().exec(exec).command(command).build();
  }

  /** A builder starting from the defaults of {@link #of}. */
  public static Builder builder() {
    return new Builder();
  }

  /** A builder starting from these options. */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.exec = exec;
    b.command = command;
    b.env = env;
    b.cwd = cwd;
    b.user = user;
    b.hostname = hostname;
    b.binds = binds;
    b.compat = compat;
    b.home = home;
    b.hostCwd = hostCwd;
    b.noPrivs = noPrivs;
    b.addCaps = addCaps;
    b.dropCaps = dropCaps;
    b.memoryBytes = memoryBytes;
    b.cpus = cpus;
    b.pidsLimit = pidsLimit;
    b.network = network;
    b.extras = extras;
    return b;
  }

  /** Builds {@link RunOptions} one option at a time; unset options keep their defaults. */
  public static final class Builder {
    private boolean exec = false;
    private List<String> command = List.of();
    private List<String> env = List.of();
    private String cwd = null;
    private String user = null;
    private String hostname = null;
    private List<Bind> binds = List.of();
    private boolean compat = true;
    private String home = null;
    private String hostCwd = null;
    private boolean noPrivs = false;
    private List<String> addCaps = List.of();
    private List<String> dropCaps = List.of();
    private long memoryBytes = 0;
    private double cpus = 0;
    private long pidsLimit = 0;
    private boolean network = false;
    private Extras extras = Extras.NONE;

    public Builder exec(boolean value) {
      this.exec = value;
      return this;
    }

    public Builder command(List<String> value) {
      this.command = value;
      return this;
    }

    public Builder env(List<String> value) {
      this.env = value;
      return this;
    }

    public Builder cwd(String value) {
      this.cwd = value;
      return this;
    }

    public Builder user(String value) {
      this.user = value;
      return this;
    }

    public Builder hostname(String value) {
      this.hostname = value;
      return this;
    }

    public Builder binds(List<Bind> value) {
      this.binds = value;
      return this;
    }

    public Builder compat(boolean value) {
      this.compat = value;
      return this;
    }

    public Builder home(String value) {
      this.home = value;
      return this;
    }

    public Builder hostCwd(String value) {
      this.hostCwd = value;
      return this;
    }

    public Builder noPrivs(boolean value) {
      this.noPrivs = value;
      return this;
    }

    public Builder addCaps(List<String> value) {
      this.addCaps = value;
      return this;
    }

    public Builder dropCaps(List<String> value) {
      this.dropCaps = value;
      return this;
    }

    public Builder memoryBytes(long value) {
      this.memoryBytes = value;
      return this;
    }

    public Builder cpus(double value) {
      this.cpus = value;
      return this;
    }

    public Builder pidsLimit(long value) {
      this.pidsLimit = value;
      return this;
    }

    public Builder network(boolean value) {
      this.network = value;
      return this;
    }

    public Builder extras(Extras value) {
      this.extras = value;
      return this;
    }

    public RunOptions build() {
      return new RunOptions(
          exec,
          command,
          env,
          cwd,
          user,
          hostname,
          binds,
          compat,
          home,
          hostCwd,
          noPrivs,
          addCaps,
          dropCaps,
          memoryBytes,
          cpus,
          pidsLimit,
          network,
          extras);
    }
  }
}
