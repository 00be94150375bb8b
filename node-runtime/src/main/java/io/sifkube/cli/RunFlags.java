package io.sifkube.cli;

import io.sifkube.cdi.CdiException;
import io.sifkube.cdi.CdiRegistry;
import io.sifkube.cdi.HostNodes;
import io.sifkube.cdi.Injection;
import io.sifkube.cdi.Inventory;
import io.sifkube.cdi.InventoryCache;
import io.sifkube.runtime.HostGpu;
import io.sifkube.spec.Capabilities;
import io.sifkube.spec.GpuSupport;
import io.sifkube.spec.RunOptions;
import io.sifkube.spec.RuntimeSpec;
import io.sifkube.spec.Seccomp;
import io.sifkube.squashfs.SquashfsCompression;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;

/**
 * The options {@code sifctl run}, {@code exec} and {@code shell} share: declared in {@link #TABLE}
 * and taken by {@link #set}, which a unit test keeps in step with the table.
 */
final class RunFlags implements OptionTable.Target {

  /** The options, in the order help lists them. */
  static final OptionTable TABLE =
      new OptionTable()
          .list("--env", "KEY=VALUE", "set KEY=VALUE in the container (repeatable)", false)
          .flag(
              "-e,--cleanenv",
              "clean environment (accepted: the host's environment never enters an OCI-mode"
                  + " container)")
          .flag("--no-eval", "do not shell-evaluate --env values (accepted: they never are)")
          .value("--env-file", "FILE", "file of KEY=VALUE lines (--env wins)")
          .value("--cwd,--pwd", "DIR", "working directory in the container")
          .value("--user", "USER", "run as name|uid[:group|gid] of the image")
          .flag(
              "-u,--userns",
              "run in a user namespace (accepted: unprivileged runs always use one; root with"
                  + " --fakeroot)")
          .flag("-p,--pid", "new PID namespace (accepted: always)")
          .flag("-i,--ipc", "new IPC namespace (accepted: always)")
          .value("--hostname", "NAME", "container host name (new UTS namespace)")
          .list("-B,--bind", "SRC[:DST[:ro|rw]]", "bind a host path (repeatable)", true)
          .list("--mount", "type=bind,src=..,dst=..[,ro]", "bind a host path (repeatable)", false)
          .flag("--compat", "SingularityCE's OCI-mode default (accepted: it is the default)")
          .flag("--no-compat", "read-only root; bind $HOME, the current directory and /tmp")
          .flag(
              "-c,--contain",
              "a tmpfs /tmp and home instead of the host's (what compat mode, the default, does)")
          .flag(
              "-C,--containall",
              "--contain, and a clean environment and new PID and IPC namespaces (all already so"
                  + " in OCI mode)")
          .flag("--writable-tmpfs", "a writable root on a throw-away tmpfs (compat mode has one)")
          .flag("-w,--writable", "refused: an OCI-SIF has no writable partition")
          .list(
              "-o,--overlay",
              "OVERLAY",
              "overlay DIR[:ro], SQUASHFS image (read-only) or EXT3 image[:ro] (repeatable)",
              false)
          .value("-H,--home", "DIR|SRC:DST", "DIR (an empty tmpfs, HOME=DIR) or SRC:DST (a bind)")
          .flag("--no-home", "mount nothing at the home directory")
          .list("-S,--scratch", "DIR", "directories that get a fresh tmpfs", true)
          .value("-W,--workdir", "DIR", "host directory for /tmp, /var/tmp and scratch dirs")
          .list("--no-mount", "MOUNT", "leave out proc, sys, devpts, tmp, home", true)
          .flag(
              "-f,--fakeroot",
              "be root inside a user namespace (an unprivileged caller's /etc/subuid range maps"
                  + " the other users)")
          .flag("--no-privs", "drop all capabilities and set no_new_privs")
          .flag("--keep-privs", "let root keep every capability")
          .list("--add-caps", "CAP", "capabilities to add", true)
          .list("--drop-caps", "CAP", "capabilities to drop", true)
          .flag("-n,--net", "run in a new, empty network namespace")
          .list("--dns", "IP", "name servers for the container's resolv.conf", true)
          .flag("--uts", "a new UTS namespace")
          .value("--memory", "SIZE", "memory limit (e.g. 512m, 2g)")
          .value("--memory-reservation", "SIZE", "soft memory limit (e.g. 256m)")
          .value("--memory-swap", "SIZE", "memory + swap limit (e.g. 1g)")
          .value("--cpus", "N", "CPU limit in cores (e.g. 1.5)")
          .value("--cpu-shares", "N", "relative CPU weight")
          .value("--cpuset-cpus", "LIST", "CPUs to run on (e.g. 0-1)")
          .value("--pids-limit", "N", "most processes in the container")
          .value("--blkio-weight", "N", "block I/O weight (10-1000)")
          .list(
              "--blkio-weight-device",
              "DEVICE:WEIGHT",
              "block I/O weight of one device (10-1000; repeatable)",
              false)
          .list("--device-read-bps", "DEVICE:RATE", "read bytes/s from a device (e.g. 1mb)", false)
          .list("--device-write-bps", "DEVICE:RATE", "write bytes/s to a device", false)
          .list("--device-read-iops", "DEVICE:N", "read operations/s from a device", false)
          .list("--device-write-iops", "DEVICE:N", "write operations/s to a device", false)
          .value("--cpu-period", "US", "CPU CFS period in microseconds (with --cpu-quota)")
          .value("--cpu-quota", "US", "CPU CFS quota in microseconds per period")
          .value("--cpuset-mems", "LIST", "memory nodes to allocate from (e.g. 0-1)")
          .value("--memory-swappiness", "N", "how eagerly anonymous pages are swapped (0-100)")
          .flag("--oom-kill-disable", "do not OOM-kill the container's processes")
          .value(
              "--apply-cgroups",
              "FILE",
              "cgroup limits from a SingularityCE TOML cgroups file (not with the limit options)")
          .list(
              "--device",
              "NAME[,NAME...]",
              "CDI devices to inject, fully qualified (vendor/class=name, e.g."
                  + " nvidia.com/gpu=all; repeatable)",
              true)
          .list(
              "--cdi-dirs",
              "DIR[,DIR...]",
              "CDI spec directories, lowest priority first (default: /etc/cdi,/var/run/cdi)",
              true)
          .flag(
              "--nv",
              "bring in the host's NVIDIA driver libraries, tools and devices (where a CDI spec"
                  + " offers nvidia.com/gpu devices, --device nvidia.com/gpu=all is preferred)")
          .flag("--rocm", "bring in the host's ROCm libraries, tools and devices")
          .list(
              "--security",
              "seccomp:PROFILE|seccomp:unconfined",
              "seccomp filter: a profile in Docker's or the OCI JSON format, or none (default:"
                  + " Sifkube's RuntimeDefault profile)",
              true)
          .flag("--no-seccomp", "run without a seccomp filter (--security seccomp:unconfined)")
          .value("--runtime", "NAME", "crun or runc (default: crun when it can run here)")
          .value(
              "--ranks",
              "N",
              "start N ranks of the command on this host, wired up for MPI through a PMI-1 server"
                  + " (what mpirun -np N singularity exec does; default 1)")
          .value("--mpi", "pmi|none", "wire-up of --ranks: pmi (default) or none (plain ranks)")
          .value(
              "--pmi-timeout",
              "SECONDS",
              "fail the ranks when a PMI barrier waits this long for the last ones (default 300;"
                  + " 0: for ever)")
          .value("--cache-dir", "DIR", "image cache for pull sources")
          .value(
              "--squashfs-compression",
              "gzip|lz4|zstd|xz",
              "compressor of the OCI-SIF made from a pull source (default gzip, which every"
                  + " SingularityCE reads; lz4 and zstd start faster)")
          .value("--authfile", "FILE", "registry credentials for docker:// images")
          .value(
              "--docker-host",
              "URI",
              "Docker daemon of docker-daemon: images (default: $DOCKER_HOST or"
                  + " unix:///var/run/docker.sock)")
          .flag("-h,--help", "show this help message and exit")
          .flag("-V,--version", "print version information and exit");

  List<String> env = new ArrayList<>();
  String cwd;
  String user;
  String hostname;
  List<String> binds = new ArrayList<>();
  boolean noCompat;
  boolean fakeroot;
  boolean noPrivs;
  List<String> addCaps = new ArrayList<>();
  List<String> dropCaps = new ArrayList<>();
  String memory;
  double cpus;
  long pidsLimit;
  boolean net;
  List<String> dns = new ArrayList<>();
  Path envFile;
  String homeSpec;
  boolean noHome;
  List<String> scratch = new ArrayList<>();
  boolean uts;
  boolean keepPrivs;
  List<String> overlays = new ArrayList<>();
  List<String> mounts = new ArrayList<>();
  List<String> noMount = new ArrayList<>();
  String workdir;
  String memoryReservation;
  String memorySwap;
  long cpuShares;
  String cpusetCpus;
  long blkioWeight;
  List<String> devices = new ArrayList<>();
  List<String> cdiDirs = new ArrayList<>();
  boolean nv;
  boolean rocm;
  String runtime;
  List<String> security = new ArrayList<>();
  boolean noSeccomp;
  Path cacheDir;
  SquashfsCompression squashfsCompression = SquashfsCompression.GZIP;
  Path authfile;
  String dockerHost;
  boolean help;
  boolean version;
  boolean contain;
  boolean writableTmpfs;
  boolean writable;
  final LimitFlags limits = new LimitFlags();
  int ranks = 1;
  String mpi = "pmi";
  long pmiTimeout = 300;

  @Override
  public void set(String option, String v) throws OptionTable.UsageException {
    switch (option) {
      case "--env" -> env.add(v);
      case "--cleanenv", "--no-eval", "--userns", "--pid", "--ipc", "--compat" -> {
        // SingularityCE's spellings of what OCI mode always does
      }
      case "--contain", "--containall" -> contain = true;
      case "--writable-tmpfs" -> writableTmpfs = true;
      case "--writable" -> writable = true;
      case "--blkio-weight-device",
          "--device-read-bps",
          "--device-write-bps",
          "--device-read-iops",
          "--device-write-iops",
          "--cpu-period",
          "--cpu-quota",
          "--cpuset-mems",
          "--memory-swappiness",
          "--oom-kill-disable",
          "--apply-cgroups" ->
          limits.set(option, v);
      case "--env-file" -> envFile = OptionTable.parsePath(option, v);
      case "--pwd" -> cwd = v;
      case "--user" -> user = v;
      case "--hostname" -> hostname = v;
      case "--bind" -> binds.add(v);
      case "--mount" -> mounts.add(v);
      case "--no-compat" -> noCompat = true;
      case "--overlay" -> overlays.add(v);
      case "--home" -> homeSpec = v;
      case "--no-home" -> noHome = true;
      case "--scratch" -> scratch.add(v);
      case "--workdir" -> workdir = v;
      case "--no-mount" -> noMount.add(v);
      case "--fakeroot" -> fakeroot = true;
      case "--no-privs" -> noPrivs = true;
      case "--keep-privs" -> keepPrivs = true;
      case "--add-caps" -> addCaps.add(v);
      case "--drop-caps" -> dropCaps.add(v);
      case "--net" -> net = true;
      case "--dns" -> dns.add(v);
      case "--uts" -> uts = true;
      case "--memory" -> memory = v;
      case "--memory-reservation" -> memoryReservation = v;
      case "--memory-swap" -> memorySwap = v;
      case "--cpus" -> cpus = OptionTable.parseDouble(option, v);
      case "--cpu-shares" -> cpuShares = OptionTable.parseLong(option, v);
      case "--cpuset-cpus" -> cpusetCpus = v;
      case "--pids-limit" -> pidsLimit = OptionTable.parseLong(option, v);
      case "--blkio-weight" -> blkioWeight = OptionTable.parseLong(option, v);
      case "--device" -> devices.add(v);
      case "--cdi-dirs" -> cdiDirs.add(v);
      case "--nv" -> nv = true;
      case "--rocm" -> rocm = true;
      case "--runtime" -> runtime = v;
      case "--security" -> security.add(v);
      case "--no-seccomp" -> noSeccomp = true;
      case "--ranks" -> ranks = ranks(option, v);
      case "--mpi" -> mpi = mpi(option, v);
      case "--pmi-timeout" -> pmiTimeout = nonNegative(option, v);
      case "--cache-dir" -> cacheDir = OptionTable.parsePath(option, v);
      case "--squashfs-compression" -> squashfsCompression = compression(option, v);
      case "--authfile" -> authfile = OptionTable.parsePath(option, v);
      case "--docker-host" -> dockerHost = v;
      case "--help" -> help = true;
      case "--version" -> version = true;
      default -> throw new IllegalStateException("option " + option + " is in TABLE only");
    }
  }

  /**
   * The directories of {@code --cdi-dirs} (also {@code sifctl cdi}'s): here rather than in the
   * picocli command, so that a run never loads picocli's classes.
   */
  static List<Path> parseCdiDirs(List<String> values) throws CliException {
    try {
      return CdiRegistry.parseDirs("--cdi-dirs", values);
    } catch (CdiException e) {
      throw new CliException(e.getMessage());
    }
  }

  static SquashfsCompression compression(String option, String v)
      throws OptionTable.UsageException {
    try {
      return SquashfsCompression.parse(v);
    } catch (IllegalArgumentException e) {
      throw new OptionTable.UsageException(option + ": " + e.getMessage());
    }
  }

  /** At most this many ranks on one host: each is a container with its own mounts. */
  static final int MAX_RANKS = 1024;

  private static int ranks(String option, String v) throws OptionTable.UsageException {
    long n = OptionTable.parseLong(option, v);
    if (n < 1 || n > MAX_RANKS) {
      throw new OptionTable.UsageException(
          option + " " + v + ": a number of ranks from 1 to " + MAX_RANKS);
    }
    return (int) n;
  }

  private static String mpi(String option, String v) throws OptionTable.UsageException {
    if (!v.equals("pmi") && !v.equals("none")) {
      throw new OptionTable.UsageException(
          option + " " + v + ": pmi (a PMI-1 server, as MPICH reads it) or none");
    }
    return v;
  }

  private static long nonNegative(String option, String v) throws OptionTable.UsageException {
    long n = OptionTable.parseLong(option, v);
    if (n < 0) {
      throw new OptionTable.UsageException(option + " " + v + ": not a number of seconds");
    }
    return n;
  }

  /** The limit options set besides the LimitFlags ones, by name, for --apply-cgroups' check. */
  private List<String> commonLimits() {
    List<String> set = new ArrayList<>();
    if (memory != null) {
      set.add("--memory");
    }
    if (memoryReservation != null) {
      set.add("--memory-reservation");
    }
    if (memorySwap != null) {
      set.add("--memory-swap");
    }
    if (cpus > 0) {
      set.add("--cpus");
    }
    if (cpuShares > 0) {
      set.add("--cpu-shares");
    }
    if (cpusetCpus != null) {
      set.add("--cpuset-cpus");
    }
    if (pidsLimit > 0) {
      set.add("--pids-limit");
    }
    if (blkioWeight > 0) {
      set.add("--blkio-weight");
    }
    return set;
  }

  /**
   * Whether the run may get a filter that this process compiles or looks up: with crun (which takes
   * it compiled) and not unconfined. A hint for loading libseccomp early, not a decision.
   */
  boolean mayFilter() {
    return !"runc".equals(runtime) && !noSeccomp && !security.contains("seccomp:unconfined");
  }

  /**
   * The seccomp filter from {@code --security seccomp:…} and {@code --no-seccomp}. SingularityCE's
   * other {@code --security} kinds (apparmor, selinux, uid, gid) do not apply in OCI mode, which
   * SingularityCE also refuses; so does Sifkube, by name.
   */
  private Seccomp.Choice seccomp() throws CliException {
    Seccomp.Choice choice = noSeccomp ? Seccomp.Choice.NONE : Seccomp.Choice.DEFAULT;
    for (String s : security) {
      if (!s.startsWith("seccomp:")) {
        throw new CliException(
            "--security "
                + s
                + ": only seccomp:PROFILE and seccomp:unconfined apply in OCI mode (apparmor,"
                + " selinux, uid and gid do not)");
      }
      String v = s.substring("seccomp:".length());
      if (v.equals("unconfined")) {
        choice = Seccomp.Choice.NONE;
      } else if (noSeccomp) {
        throw new CliException("--no-seccomp and --security " + s + " contradict each other");
      } else {
        Path file = Path.of(v);
        try {
          choice = Seccomp.parse(Files.readAllBytes(file), "--security " + s);
        } catch (IOException e) {
          throw new CliException("--security " + s + ": cannot read " + file + ": " + e);
        } catch (IllegalArgumentException e) {
          throw new CliException(e.getMessage());
        }
      }
    }
    return choice;
  }

  /** SIFKUBE_CONTAINLIBS: comma-separated host libraries bound into /.singularity.d/libs. */
  private static List<String> containLibs() {
    String v = System.getenv("SIFKUBE_CONTAINLIBS");
    List<String> out = new ArrayList<>();
    if (v != null) {
      for (String lib : v.split(",")) {
        if (!lib.isBlank()) {
          out.add(lib.strip());
        }
      }
    }
    return out;
  }

  /** KEY=VALUE lines of --env-file; blank lines and # comments are skipped. */
  private List<String> readEnvFile() throws CliException {
    if (envFile == null) {
      return List.of();
    }
    List<String> out = new ArrayList<>();
    try {
      int n = 0;
      for (String line : Files.readAllLines(envFile)) {
        n++;
        String l = line.strip();
        if (l.isEmpty() || l.startsWith("#")) {
          continue;
        }
        if (l.startsWith("export ")) {
          l = l.substring("export ".length()).strip();
        }
        if (!l.contains("=") || l.startsWith("=")) {
          throw new CliException(envFile + ":" + n + ": not KEY=VALUE: " + line);
        }
        out.add(l);
      }
    } catch (IOException e) {
      throw new CliException("--env-file " + envFile + ": cannot read: " + e.getMessage());
    }
    return out;
  }

  /**
   * {@link #cdi} on a thread of its own, started now: a one-shot run reads the spec directories
   * (some 10 ms with 100 spec files, most of it {@code stat}s in a cold JVM) while it reads the
   * image, and takes the result before it mounts anything.
   */
  FutureTask<Injection> cdiInBackground(InventoryCache cache) {
    FutureTask<Injection> task = new FutureTask<>(() -> cdi(cache));
    if (devices.isEmpty() && !nv) {
      task.run(); // nothing to read
    } else {
      Thread t = new Thread(task, "cdi");
      t.setDaemon(true);
      t.start();
    }
    return task;
  }

  /** The result of {@link #cdiInBackground}, with a failure as the CLI reports it. */
  static Injection await(FutureTask<Injection> task) throws CliException {
    try {
      return task.get();
    } catch (ExecutionException e) {
      if (e.getCause() instanceof CliException c) {
        throw c;
      }
      if (e.getCause() instanceof IllegalArgumentException c) {
        throw new CliException(c.getMessage());
      }
      throw new CliException("resolving CDI devices: " + e.getCause(), e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CliException("interrupted while resolving CDI devices");
    }
  }

  /**
   * The CDI devices asked for, resolved against the spec directories now: a name that does not
   * resolve fails the run before anything is mounted. Files that cannot be used are reported and
   * skipped (SingularityCE fails every run on one bad file; containerd and CRI-O warn, as here).
   * With {@code --nv}, a host whose specs offer NVIDIA GPUs hears that CDI is the preferred way.
   *
   * @param cache where the inventory is kept between runs (null: read the spec files)
   */
  Injection cdi(InventoryCache cache) throws CliException {
    List<Path> dirs = cdiDirs.isEmpty() ? CdiRegistry.DEFAULT_DIRS : parseCdiDirs(cdiDirs);
    if (devices.isEmpty() && !nv) {
      return Injection.NONE;
    }
    // Without --device, --nv only asks whether NVIDIA's generator has written a spec here.
    List<String> names = devices.isEmpty() ? List.of("nvidia.com/gpu=all") : devices;
    Inventory inv = cache == null ? new CdiRegistry(dirs).scan() : cache.inventory(dirs, names);
    if (devices.isEmpty()) {
      if (inv.devices().keySet().stream().anyMatch(n -> n.startsWith("nvidia.com/gpu="))) {
        Info.line(
            "this host's CDI specs offer nvidia.com/gpu devices: --device nvidia.com/gpu=all is"
                + " the preferred way to a GPU");
      }
      return Injection.NONE;
    }
    for (Inventory.SpecError e : inv.errors()) {
      Info.warn("CDI spec " + e.path() + ": " + e.message() + " (its devices are not offered)");
    }
    return inv.resolve(devices, HostNodes.SYSTEM);
  }

  /**
   * The run options, with the CDI devices of {@code cdi} (from {@link #cdi} or {@link
   * #cdiInBackground}).
   */
  RunOptions toOptions(boolean exec, List<String> command, Injection cdi) throws CliException {
    try {
      return buildOptions(exec, command, cdi);
    } catch (IOException e) {
      throw new CliException("cannot look for GPU drivers: " + e.getMessage(), e);
    }
  }

  private RunOptions buildOptions(boolean exec, List<String> command, Injection cdi)
      throws CliException, IOException {
    try {
      if (writable) {
        throw new IllegalArgumentException(
            "--writable: an OCI-SIF is a read-only image with no writable overlay partition;"
                + " use --writable-tmpfs for changes that go with the run, or --overlay DIR for"
                + " changes that stay");
      }
      List<RunOptions.Bind> b = new ArrayList<>();
      for (String s : binds) {
        b.add(RunOptions.Bind.parse(s));
      }
      for (String m : mounts) {
        b.add(RunOptions.Bind.parseMount(m));
      }
      for (String n : noMount) {
        if (!RunOptions.Extras.OPTIONAL_MOUNTS.contains(n)) {
          throw new IllegalArgumentException(
              "--no-mount "
                  + n
                  + ": not one of "
                  + String.join(", ", RunOptions.Extras.OPTIONAL_MOUNTS));
        }
      }
      if (blkioWeight != 0 && (blkioWeight < 10 || blkioWeight > 1000)) {
        throw new IllegalArgumentException("--blkio-weight must be 10..1000");
      }
      if (cpusetCpus != null && !cpusetCpus.matches("[0-9]+(-[0-9]+)?(,[0-9]+(-[0-9]+)?)*")) {
        throw new IllegalArgumentException(
            "--cpuset-cpus \"" + cpusetCpus + "\" is not a CPU list like 0-3,6");
      }
      addCaps.forEach(Capabilities::normalize);
      dropCaps.forEach(Capabilities::normalize);
      long mem = memory == null ? 0 : RuntimeSpec.parseSize(memory);
      if (cpus < 0 || pidsLimit < 0) {
        throw new IllegalArgumentException("--cpus and --pids-limit must not be negative");
      }
      for (String ns : dns) {
        if (!ns.matches("[0-9a-fA-F.:]+")) {
          throw new IllegalArgumentException("--dns \"" + ns + "\" is not an IP address");
        }
      }
      GpuSupport.Plan gpu =
          HostGpu.discover(
              nv,
              rocm,
              amd ->
                  Info.warn(
                      (amd ? "--rocm" : "--nv")
                          + ": no "
                          + (amd ? "ROCm" : "NVIDIA")
                          + " driver found on this host (no libraries in ldconfig, no device"
                          + " nodes); running without GPU support"));
      List<String> libs = new ArrayList<>(containLibs());
      libs.addAll(gpu.libraries());
      List<String> gpuBinaries = gpu.binaries();
      List<RunOptions.Device> devices = gpu.devices();
      List<String> allEnv = new ArrayList<>(readEnvFile());
      allEnv.addAll(env);
      String home = System.getProperty("user.home");
      String pwd = Path.of("").toAbsolutePath().toString();
      return RunOptions.builder()
          .exec(exec)
          .command(command)
          .env(allEnv)
          .cwd(cwd)
          .user(user)
          .hostname(hostname)
          .binds(b)
          .compat(!noCompat)
          .home(home)
          .hostCwd(pwd)
          .noPrivs(noPrivs)
          .addCaps(addCaps)
          .dropCaps(dropCaps)
          .memoryBytes(mem)
          .cpus(cpus)
          .pidsLimit(pidsLimit)
          .network(net)
          .extras(
              RunOptions.Extras.builder()
                  .dns(dns)
                  .home(homeSpec)
                  .noHome(noHome)
                  .scratch(scratch)
                  .uts(uts)
                  .keepPrivs(keepPrivs)
                  .memoryReservation(
                      memoryReservation == null ? 0 : RuntimeSpec.parseSize(memoryReservation))
                  .memorySwap(memorySwap == null ? 0 : RuntimeSpec.parseSize(memorySwap))
                  .cpuShares(cpuShares)
                  .cpusetCpus(cpusetCpus)
                  .blkioWeight(blkioWeight)
                  .noMount(noMount)
                  .containLibs(libs)
                  .hostBinaries(gpuBinaries)
                  .devices(devices)
                  .workdir(workdir)
                  .overlays(overlays)
                  .fakeroot(fakeroot)
                  .cdi(cdi)
                  .seccomp(seccomp())
                  .contain(contain)
                  .writableTmpfs(writableTmpfs)
                  .resources(limits.resources(this::commonLimits, cpus))
                  .build())
          .build();
    } catch (IllegalArgumentException e) {
      throw new CliException(e.getMessage());
    }
  }
}
