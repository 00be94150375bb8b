package io.sifkube.siflet.api;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sifkube.cdi.CdiException;
import io.sifkube.cdi.Injection;
import io.sifkube.json.Json;
import io.sifkube.node.v1.Bind;
import io.sifkube.node.v1.ContainerConfig;
import io.sifkube.node.v1.DeviceWeight;
import io.sifkube.node.v1.Resources;
import io.sifkube.node.v1.SeccompProfile;
import io.sifkube.runtime.BlockDevices;
import io.sifkube.runtime.HostGpu;
import io.sifkube.siflet.SifletException;
import io.sifkube.spec.Capabilities;
import io.sifkube.spec.GpuSupport;
import io.sifkube.spec.RunOptions;
import io.sifkube.spec.Seccomp;
import io.sifkube.spec.UserNamespace;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Turns a {@link ContainerConfig} into {@link RunOptions}, checking every field first and naming
 * the field that is wrong ({@code config.binds[1].source: /x does not exist}), so a bad request is
 * refused before anything is mounted.
 */
final class ConfigMapping {

  private static final String ID = "[A-Za-z0-9][A-Za-z0-9_.-]{0,127}";

  private ConfigMapping() {}

  static void checkId(String id) throws SifletException {
    if (id.isEmpty()) {
      throw SifletException.invalid("id: required");
    }
    if (!id.matches(ID)) {
      throw SifletException.invalid(
          "id: \"" + id + "\" is not 1-128 letters, digits, '_', '.' or '-' (first alphanumeric)");
    }
  }

  /** config.sandbox: "" or a name with a container ID's syntax (it names a directory). */
  static String checkSandbox(String sandbox) throws SifletException {
    if (!sandbox.isEmpty() && !sandbox.matches(ID)) {
      throw SifletException.invalid(
          "config.sandbox: \""
              + sandbox
              + "\" is not 1-128 letters, digits, '_', '.' or '-' (first alphanumeric)");
    }
    return sandbox;
  }

  /**
   * The run options for {@code c}, as root runs them on this node.
   *
   * @param devices resolves CDI device names (throwing {@link CdiException} for those it cannot)
   * @param warn hears what is dropped (a GPU driver that is not there)
   * @param seccompRoot where Localhost seccomp profiles are
   */
  static RunOptions toRunOptions(
      ContainerConfig c,
      Function<List<String>, Injection> devices,
      Consumer<String> warn,
      Path seccompRoot)
      throws IOException {
    if (c.getImage().isEmpty()) {
      throw SifletException.invalid("config.image: required");
    }
    Injection cdi;
    try {
      cdi = devices.apply(c.getDevicesList());
    } catch (CdiException e) {
      throw SifletException.invalid("config.devices: " + e.getMessage());
    }
    List<String> env = new ArrayList<>();
    for (int i = 0; i < c.getEnvCount(); i++) {
      String e = c.getEnv(i);
      if (!e.contains("=") || e.startsWith("=")) {
        throw SifletException.invalid("config.env[" + i + "]: \"" + e + "\" is not KEY=VALUE");
      }
      env.add(e);
    }
    absoluteOrEmpty("config.working_dir", c.getWorkingDir());
    List<RunOptions.Bind> binds = new ArrayList<>();
    for (int i = 0; i < c.getBindsCount(); i++) {
      binds.add(bind("config.binds[" + i + "]", c.getBinds(i)));
    }
    for (int i = 0; i < c.getDnsCount(); i++) {
      if (!c.getDns(i).matches("[0-9a-fA-F.:]+")) {
        throw SifletException.invalid(
            "config.dns[" + i + "]: \"" + c.getDns(i) + "\" is not an IP address");
      }
    }
    caps("config.add_caps", c.getAddCapsList());
    caps("config.drop_caps", c.getDropCapsList());
    for (int i = 0; i < c.getScratchCount(); i++) {
      absoluteOrEmpty("config.scratch[" + i + "]", c.getScratch(i));
    }
    for (int i = 0; i < c.getNoMountCount(); i++) {
      if (!RunOptions.Extras.OPTIONAL_MOUNTS.contains(c.getNoMount(i))) {
        throw SifletException.invalid(
            "config.no_mount["
                + i
                + "]: \""
                + c.getNoMount(i)
                + "\" is not one of "
                + String.join(", ", RunOptions.Extras.OPTIONAL_MOUNTS));
      }
    }
    Resources r = c.getResources();
    checkResources(r);
    boolean exec = c.getCommandCount() > 0;
    List<String> command = new ArrayList<>(c.getCommandList());
    command.addAll(c.getArgsList());
    String user = c.getUser().isEmpty() ? null : c.getUser();
    if (c.getFakeroot() && user == null) {
      user = "0:0"; // --fakeroot is root, whatever USER says
    }
    RunOptions.Extras.Builder x =
        RunOptions.Extras.builder()
            .dns(c.getDnsList())
            .home(c.getHome().isEmpty() ? null : c.getHome())
            .noHome(c.getNoHome())
            .scratch(c.getScratchList())
            .uts(c.getUts())
            .keepPrivs(c.getKeepPrivs())
            .memoryReservation(r.getMemoryReservationBytes())
            .memorySwap(r.getMemorySwapBytes())
            .cpuShares(r.getCpuShares())
            .cpusetCpus(r.getCpusetCpus().isEmpty() ? null : r.getCpusetCpus())
            .blkioWeight(r.getBlkioWeight())
            .noMount(c.getNoMountList())
            .overlays(c.getOverlaysList())
            .fakeroot(c.getFakeroot())
            .cdi(cdi)
            .seccomp(seccomp(c.getSeccomp(), seccompRoot))
            .resources(moreResources(r))
            .files(files(c.getFilesMap()));
    if (c.getFakeroot()) {
      x.userNamespace(
          UserNamespace.plan(0, 0, Optional.empty(), Optional.empty(), true, false).orElseThrow());
    }
    gpus(c, x, warn);
    return RunOptions.builder()
        .exec(exec)
        .command(command)
        .env(env)
        .cwd(c.getWorkingDir().isEmpty() ? null : c.getWorkingDir())
        .user(user)
        .hostname(c.getHostname().isEmpty() ? null : c.getHostname())
        .binds(binds)
        .compat(!c.getNoCompat())
        .noPrivs(c.getNoPrivs())
        .addCaps(c.getAddCapsList())
        .dropCaps(c.getDropCapsList())
        .memoryBytes(r.getMemoryBytes())
        .cpus(r.getCpus())
        .pidsLimit(r.getPidsLimit())
        .network(c.getNetwork())
        .extras(x.build())
        .build();
  }

  static final int MAX_FILES = 16;
  static final int MAX_FILE_BYTES = 64 * 1024;

  /** config.files: a few small files at absolute paths with no {@code ..}. */
  private static Map<String, String> files(Map<String, String> files) throws SifletException {
    if (files.size() > MAX_FILES) {
      throw SifletException.invalid(
          "config.files: " + files.size() + " files, at most " + MAX_FILES);
    }
    for (var e : files.entrySet()) {
      String path = e.getKey();
      if (!path.startsWith("/")
          || path.endsWith("/")
          || Path.of(path).normalize().toString().length() != path.length()
          || path.contains("/../")
          || path.endsWith("/..")) {
        throw SifletException.invalid(
            "config.files[\"" + path + "\"]: not an absolute file path without . or .. parts");
      }
      if (e.getValue().getBytes(java.nio.charset.StandardCharsets.UTF_8).length > MAX_FILE_BYTES) {
        throw SifletException.invalid(
            "config.files[\"" + path + "\"]: more than " + MAX_FILE_BYTES + " bytes");
      }
    }
    return files;
  }

  private static RunOptions.Bind bind(String field, Bind b) throws SifletException {
    if (!b.getSource().startsWith("/")) {
      throw SifletException.invalid(
          field + ".source: \"" + b.getSource() + "\" is not an absolute path");
    }
    if (!Files.exists(Path.of(b.getSource()))) {
      throw SifletException.invalid(field + ".source: " + b.getSource() + " does not exist");
    }
    String dst = b.getDestination().isEmpty() ? b.getSource() : b.getDestination();
    if (!dst.startsWith("/")) {
      throw SifletException.invalid(field + ".destination: \"" + dst + "\" is not absolute");
    }
    return new RunOptions.Bind(b.getSource(), dst, b.getReadOnly());
  }

  private static void caps(String field, List<String> caps) throws SifletException {
    for (int i = 0; i < caps.size(); i++) {
      try {
        Capabilities.normalize(caps.get(i));
      } catch (IllegalArgumentException e) {
        throw SifletException.invalid(field + "[" + i + "]: " + e.getMessage());
      }
    }
  }

  private static void absoluteOrEmpty(String field, String path) throws SifletException {
    if (!path.isEmpty() && (!path.startsWith("/") || path.contains("/../"))) {
      throw SifletException.invalid(field + ": \"" + path + "\" is not a clean absolute path");
    }
  }

  /** The seccomp filter asked for; a Localhost profile is read from under {@code root}. */
  static Seccomp.Choice seccomp(SeccompProfile p, Path root) throws SifletException {
    switch (p.getType()) {
      case UNCONFINED:
        return Seccomp.Choice.NONE;
      case LOCALHOST:
        break;
      default:
        return Seccomp.Choice.DEFAULT;
    }
    String name = p.getLocalhostProfile();
    String field = "config.seccomp.localhost_profile";
    if (name.isEmpty()) {
      throw SifletException.invalid(field + ": required with type LOCALHOST");
    }
    Path file = root.resolve(name).normalize();
    if (Path.of(name).isAbsolute() || !file.startsWith(root.normalize())) {
      throw SifletException.invalid(
          field + ": \"" + name + "\" escapes the seccomp profile root " + root);
    }
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(file);
    } catch (IOException e) {
      throw SifletException.invalid(
          field + ": cannot read " + file + " (" + e.getClass().getSimpleName() + ")");
    }
    try {
      return Seccomp.parse(bytes, field + " " + file);
    } catch (IllegalArgumentException e) {
      throw SifletException.invalid(e.getMessage());
    }
  }

  /** The resource fields beyond the RunOptions ones: CFS period, memory nodes, device weights. */
  private static ObjectNode moreResources(Resources r) throws SifletException {
    ObjectNode res = Json.object();
    if (r.getCpuPeriodUs() != 0 || !r.getCpusetMems().isEmpty()) {
      ObjectNode cpu = res.putObject("cpu");
      if (r.getCpuPeriodUs() != 0) {
        long period = r.getCpuPeriodUs();
        if (period < 1000 || period > 1_000_000) {
          throw SifletException.invalid(
              "config.resources.cpu_period_us: " + period + " is not in 1000..1000000");
        }
        cpu.put("period", period);
        if (r.getCpus() > 0) {
          cpu.put("quota", Math.round(r.getCpus() * period));
        }
      }
      if (!r.getCpusetMems().isEmpty()) {
        if (!r.getCpusetMems().matches("[0-9]+(-[0-9]+)?(,[0-9]+(-[0-9]+)?)*")) {
          throw SifletException.invalid(
              "config.resources.cpuset_mems: \"" + r.getCpusetMems() + "\" is not a node list");
        }
        cpu.put("mems", r.getCpusetMems());
      }
    }
    if (r.getBlkioWeightDevicesCount() > 0) {
      ArrayNode list = res.putObject("blockIO").putArray("weightDevice");
      for (int i = 0; i < r.getBlkioWeightDevicesCount(); i++) {
        DeviceWeight d = r.getBlkioWeightDevices(i);
        String field = "config.resources.blkio_weight_devices[" + i + "]";
        if (d.getWeight() < 10 || d.getWeight() > 1000) {
          throw SifletException.invalid(
              field + ".weight: " + d.getWeight() + " is not in 10..1000");
        }
        long[] mm;
        try {
          mm = BlockDevices.numbers(Path.of(d.getPath()), field + ".path");
        } catch (IllegalArgumentException e) {
          throw SifletException.invalid(e.getMessage());
        }
        list.addObject().put("major", mm[0]).put("minor", mm[1]).put("weight", d.getWeight());
      }
    }
    return res;
  }

  private static void checkResources(Resources r) throws SifletException {
    if (r.getCpus() < 0
        || r.getCpuShares() < 0
        || r.getMemoryBytes() < 0
        || r.getMemoryReservationBytes() < 0
        || r.getMemorySwapBytes() < 0
        || r.getPidsLimit() < 0) {
      throw SifletException.invalid("config.resources: limits must not be negative");
    }
    if (r.getBlkioWeight() != 0 && (r.getBlkioWeight() < 10 || r.getBlkioWeight() > 1000)) {
      throw SifletException.invalid(
          "config.resources.blkio_weight: " + r.getBlkioWeight() + " is not in 10..1000");
    }
    String set = r.getCpusetCpus();
    if (!set.isEmpty() && !set.matches("[0-9]+(-[0-9]+)?(,[0-9]+(-[0-9]+)?)*")) {
      throw SifletException.invalid(
          "config.resources.cpuset_cpus: \"" + set + "\" is not a CPU list like 0-3,6");
    }
  }

  private static void gpus(ContainerConfig c, RunOptions.Extras.Builder x, Consumer<String> warn)
      throws IOException {
    GpuSupport.Plan plan =
        HostGpu.discover(
            c.getNv(),
            c.getRocm(),
            amd ->
                warn.accept(
                    "config." + (amd ? "rocm" : "nv") + ": no driver on this node; no GPU"));
    x.containLibs(plan.libraries()).hostBinaries(plan.binaries()).devices(plan.devices());
  }
}
