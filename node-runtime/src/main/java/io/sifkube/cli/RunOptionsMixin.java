package io.sifkube.cli;

import io.sifkube.runtime.HostGpu;
import io.sifkube.spec.Capabilities;
import io.sifkube.spec.GpuSupport;
import io.sifkube.spec.RunOptions;
import io.sifkube.spec.RuntimeSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** The options {@code sifctl run} and {@code sifctl exec} share. */
final class RunOptionsMixin {

  @Option(
      names = {"-e", "--env"},
      description = "set KEY=VALUE in the container (repeatable)")
  List<String> env = new ArrayList<>();

  @Option(
      names = {"--cwd", "--pwd"},
      description = "working directory in the container")
  String cwd;

  @Option(
      names = {"-u", "--user"},
      description = "run as name|uid[:group|gid] of the image")
  String user;

  @Option(names = "--hostname", description = "container host name (new UTS namespace)")
  String hostname;

  @Option(
      names = {"-B", "--bind"},
      split = ",",
      description = "bind src[:dst[:ro|rw]] (repeatable)")
  List<String> binds = new ArrayList<>();

  @Option(
      names = "--no-compat",
      description = "read-only root; bind $HOME, the current directory and /tmp")
  boolean noCompat;

  @Option(
      names = {"-f", "--fakeroot"},
      description =
          "be root inside a user namespace (an unprivileged caller's /etc/subuid range maps"
              + " the other users)")
  boolean fakeroot;

  @Option(names = "--no-privs", description = "drop all capabilities and set no_new_privs")
  boolean noPrivs;

  @Option(names = "--add-caps", split = ",", description = "capabilities to add")
  List<String> addCaps = new ArrayList<>();

  @Option(names = "--drop-caps", split = ",", description = "capabilities to drop")
  List<String> dropCaps = new ArrayList<>();

  @Option(names = "--memory", description = "memory limit (e.g. 512m, 2g)")
  String memory;

  @Option(names = "--cpus", description = "CPU limit in cores (e.g. 1.5)")
  double cpus;

  @Option(names = "--pids-limit", description = "most processes in the container")
  long pidsLimit;

  @Option(names = "--net", description = "run in a new, empty network namespace")
  boolean net;

  @Option(
      names = "--dns",
      split = ",",
      description = "name servers for the container's resolv.conf")
  List<String> dns = new ArrayList<>();

  @Option(names = "--env-file", description = "file of KEY=VALUE lines (--env wins)")
  Path envFile;

  @Option(
      names = "--home",
      description = "DIR (an empty tmpfs, HOME=DIR) or SRC:DST (SRC bound at DST)")
  String homeSpec;

  @Option(names = "--no-home", description = "mount nothing at the home directory")
  boolean noHome;

  @Option(
      names = {"-S", "--scratch"},
      split = ",",
      description = "directories that get a fresh tmpfs")
  List<String> scratch = new ArrayList<>();

  @Option(names = "--uts", description = "a new UTS namespace")
  boolean uts;

  @Option(names = "--keep-privs", description = "let root keep every capability")
  boolean keepPrivs;

  @Option(
      names = {"-o", "--overlay"},
      description = "overlay DIR[:ro], SQUASHFS image (read-only) or EXT3 image[:ro] (repeatable)")
  List<String> overlays = new ArrayList<>();

  @Option(names = "--mount", description = "type=bind,src=…,dst=…[,ro] (repeatable)")
  List<String> mounts = new ArrayList<>();

  @Option(names = "--no-mount", split = ",", description = "leave out proc, sys, devpts, tmp, home")
  List<String> noMount = new ArrayList<>();

  @Option(names = "--workdir", description = "host directory for /tmp, /var/tmp and scratch dirs")
  String workdir;

  @Option(names = "--memory-reservation", description = "soft memory limit (e.g. 256m)")
  String memoryReservation;

  @Option(names = "--memory-swap", description = "memory + swap limit (e.g. 1g)")
  String memorySwap;

  @Option(names = "--cpu-shares", description = "relative CPU weight")
  long cpuShares;

  @Option(names = "--cpuset-cpus", description = "CPUs to run on (e.g. 0-1)")
  String cpusetCpus;

  @Option(names = "--blkio-weight", description = "block I/O weight (10-1000)")
  long blkioWeight;

  @Option(
      names = "--nv",
      description = "bring in the host's NVIDIA driver libraries, tools and devices")
  boolean nv;

  @Option(names = "--rocm", description = "bring in the host's ROCm libraries, tools and devices")
  boolean rocm;

  @Option(names = "--runtime", description = "crun or runc (default: crun when it can run here)")
  String runtime;

  @Option(names = "--cache-dir", description = "image cache for pull sources")
  Path cacheDir;

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

  RunOptions toOptions(boolean exec, List<String> command) throws CliException {
    try {
      return buildOptions(exec, command);
    } catch (IOException e) {
      throw new CliException("cannot look for GPU drivers: " + e.getMessage(), e);
    }
  }

  private RunOptions buildOptions(boolean exec, List<String> command)
      throws CliException, IOException {
    try {
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
                  .build())
          .build();
    } catch (IllegalArgumentException e) {
      throw new CliException(e.getMessage());
    }
  }
}
