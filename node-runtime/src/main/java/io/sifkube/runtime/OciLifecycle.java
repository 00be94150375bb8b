package io.sifkube.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sifkube.json.Json;
import io.sifkube.mount.Mounter;
import io.sifkube.spec.RunOptions;
import io.sifkube.sys.SeqPacketSocket;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The {@code sifctl oci} lifecycle, SingularityCE's OCI command group: mount an image as a bundle,
 * then create (under conmon, the per-container monitor CRI-O and podman use, so the container keeps
 * running, logging and recording its exit code after sifctl exits), start, state, kill, delete, and
 * run; finally unmount the bundle.
 */
public final class OciLifecycle {

  /** Where sifctl's containers' monitors keep their pid files, log, exit file and sockets. */
  static final Path SIFCTL_STATE = Path.of("/run/sifkube/oci");

  private final OciRuntime runtime;
  private final Mounter mounter;
  private final Path root;
  private final Path logRoot;
  private final Consumer<String> info;

  public OciLifecycle(OciRuntime runtime, Mounter mounter, Consumer<String> info) {
    this(runtime, mounter, SIFCTL_STATE, info);
  }

  /**
   * @param stateRoot where each container's monitor state goes, in a directory named by its ID
   */
  public OciLifecycle(OciRuntime runtime, Mounter mounter, Path stateRoot, Consumer<String> info) {
    this(runtime, mounter, stateRoot, null, info);
  }

  /**
   * @param stateRoot where each container's monitor state goes, in a directory named by its ID
   * @param logRoot where each container's log goes, as {@code ID.log} (null: in its monitor state)
   */
  public OciLifecycle(
      OciRuntime runtime, Mounter mounter, Path stateRoot, Path logRoot, Consumer<String> info) {
    this.runtime = runtime;
    this.mounter = mounter;
    this.root = stateRoot;
    this.logRoot = logRoot;
    this.info = info;
  }

  /** Mounts {@code sif} into {@code bundle} (rootfs/, overlay/, volumes/, config.json). */
  public void mount(Path sif, Path bundle) throws IOException {
    mount(sif, bundle, RunOptions.of(false, List.of()));
  }

  /** As {@link #mount(Path, Path)}, with {@code config.json} made for {@code opts}. */
  public void mount(Path sif, Path bundle, RunOptions opts) throws IOException {
    mount(sif, bundle, opts, null);
  }

  /**
   * As {@link #mount(Path, Path, RunOptions)}, with the image's layers taken from {@code shared}
   * (null: mounted in the bundle).
   */
  public void mount(Path sif, Path bundle, RunOptions opts, LayerMounts shared) throws IOException {
    if (Files.exists(bundle.resolve("config.json"))) {
      throw new ContainerException(bundle + " already holds a bundle (config.json exists)");
    }
    Files.createDirectories(bundle.resolve("volumes"));
    ContainerLauncher launcher = new ContainerLauncher(mounter, runtime, root, info);
    ContainerLauncher.Image image = launcher.readImage(sif);
    ContainerLauncher.preflight(image, opts);
    List<OverlaySource> overlays = OverlaySource.parse(opts.extras().overlays());
    launcher.prepareBundle(sif, image, opts, overlays, bundle, shared, new Timings());
  }

  /** Unmounts a bundle made by {@link #mount} and removes what mount created. */
  public void umount(Path bundle) throws IOException {
    if (!Files.exists(bundle.resolve(".mounts"))) {
      throw new ContainerException(bundle + " is not a bundle mounted by sifctl oci mount");
    }
    new ContainerLauncher(mounter, runtime, root, info)
        .releaseMounts(ContainerLauncher.recorded(bundle));
    for (String generated : List.of("rootfs", "overlay", "layers", "overlays")) {
      ContainerLauncher.deleteTree(bundle.resolve(generated));
    }
    for (String f :
        List.of("config.json", "resolv.conf", ".mounts", ContainerLauncher.HOOK_NOTE_FILE)) {
      Files.deleteIfExists(bundle.resolve(f));
    }
  }

  /** Creates container {@code id} from {@code bundle} under conmon; returns when it exists. */
  public void create(Path bundle, String id) throws IOException {
    create(bundle, id, false);
  }

  /**
   * As {@link #create(Path, String)}; with {@code stdin}, conmon keeps a pipe to the container's
   * standard input that {@link #attach} feeds (closed when the attached client's input ends).
   */
  public void create(Path bundle, String id, boolean stdin) throws IOException {
    checkId(id);
    if (!Files.isRegularFile(bundle.resolve("config.json"))) {
      throw new ContainerException(bundle + " has no config.json (make one with sifctl oci mount)");
    }
    Path state = root.resolve(id);
    if (Files.exists(state)) {
      throw new ContainerException("container " + id + " already exists");
    }
    Files.createDirectories(state.resolve("exits"));
    Files.createDirectories(state.resolve("sockets"));
    Files.createDirectories(state.resolve("persist"));
    Files.writeString(state.resolve("bundle"), bundle.toAbsolutePath().toString());
    List<String> cmd =
        new ArrayList<>(
            List.of(
                "conmon",
                "--api-version",
                "1",
                "-c",
                id,
                "-u",
                id,
                "-n",
                id,
                "-r",
                runtime.binary().toString(),
                "-b",
                bundle.toAbsolutePath().toString(),
                "-p",
                state.resolve("container.pid").toString(),
                "-P",
                state.resolve("conmon.pid").toString(),
                "-l",
                "k8s-file:" + logFile(id),
                "--exit-dir",
                state.resolve("exits").toString(),
                "--socket-dir-path",
                state.resolve("sockets").toString(),
                "--persist-dir",
                state.resolve("persist").toString(),
                "--runtime-arg",
                "--root",
                "--runtime-arg",
                runtime.root().toString(),
                "--runtime-arg",
                "--log",
                "--runtime-arg",
                state.resolve("runtime.log").toString()));
    if (stdin) {
      cmd.add("--stdin");
      Files.writeString(state.resolve("stdin"), "open\n");
    }
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    await(p);
    // conmon forks its monitor and returns at once; the container exists once its pid is written.
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!Files.exists(state.resolve("container.pid"))) {
      if (System.nanoTime() > deadline || p.exitValue() != 0 || monitorGone(state)) {
        String log = readIfExists(state.resolve("runtime.log"));
        ContainerLauncher.deleteTree(state);
        String note = readIfExists(bundle.resolve(ContainerLauncher.HOOK_NOTE_FILE));
        throw new ContainerException(
            "creating container "
                + id
                + " failed: "
                + (out + " " + log).strip()
                + (note.isEmpty() ? "" : "; " + note));
      }
      sleep(2);
    }
  }

  /** True when conmon wrote its pid and that process has ended (so creation failed). */
  private static boolean monitorGone(Path state) throws IOException {
    Path pidFile = state.resolve("conmon.pid");
    if (!Files.exists(pidFile)) {
      return false;
    }
    String text = Files.readString(pidFile).trim();
    if (text.isEmpty() || Files.exists(state.resolve("container.pid"))) {
      return false;
    }
    return ProcessHandle.of(Long.parseLong(text)).map(ph -> !ph.isAlive()).orElse(true);
  }

  public void start(String id) throws IOException {
    runtimeVerb(id, "start", id);
  }

  public void kill(String id, String signal) throws IOException {
    runtimeVerb(id, "kill", id, signal);
  }

  /** Freezes every process of the container (the freezer cgroup). */
  public void pause(String id) throws IOException {
    runtimeVerb(id, "pause", id);
  }

  /** Thaws a paused container. */
  public void resume(String id) throws IOException {
    runtimeVerb(id, "resume", id);
  }

  /**
   * Changes a running container's limits to those of {@code resources}, a file of the runtime
   * spec's {@code linux.resources} JSON, as {@code crun|runc update --resources} does.
   */
  public void update(String id, Path resources) throws IOException {
    if (!Files.isRegularFile(resources)) {
      throw new ContainerException(resources + ": no such resources file");
    }
    try {
      Json.read(Files.readAllBytes(resources));
    } catch (IOException e) {
      throw new ContainerException(resources + ": not a JSON object of linux.resources");
    }
    runtimeVerb(id, "update", "--resources", resources.toString(), id);
  }

  /** The container's state: the runtime's JSON plus the exit code once it has stopped. */
  public JsonNode state(String id) throws IOException {
    String json = runtimeVerb(id, "state", id);
    var node = (ObjectNode) Json.read(json);
    Path exit = exitFile(id);
    if (Files.exists(exit)) {
      node.put("exitCode", Integer.parseInt(Files.readString(exit).trim()));
    }
    return node;
  }

  /** Deletes the runtime's container and the monitor's state. */
  public void delete(String id) throws IOException {
    Path state = root.resolve(id);
    if (!Files.isDirectory(state)) {
      throw new ContainerException("no container " + id);
    }
    runtimeVerb(id, "delete", "--force", id);
    Path bundlePath = state.resolve("bundle");
    if (Files.exists(bundlePath)) {
      // conmon's control FIFOs and attach socket live in the bundle; they die with the container.
      Path bundle = Path.of(Files.readString(bundlePath).trim());
      for (String f : List.of("ctl", "winsz", "attach")) {
        Files.deleteIfExists(bundle.resolve(f));
      }
    }
    ContainerLauncher.deleteTree(state);
  }

  /**
   * Attaches to a container's output through conmon's attach socket until the container exits;
   * returns its exit code. Each packet's first byte says which stream the rest belongs to. When the
   * container was created with stdin and {@code in} is given, {@code in} is sent to it, and its end
   * closes the container's standard input.
   */
  public int attach(String id, InputStream in, OutputStream out, OutputStream err)
      throws IOException {
    checkId(id);
    Path state = root.resolve(id);
    if (!Files.isDirectory(state)) {
      throw new ContainerException("no container " + id);
    }
    Path socket = state.resolve("sockets").resolve(id).resolve("attach");
    byte[] buf = new byte[8193]; // conmon's packet size
    try (SeqPacketSocket s = SeqPacketSocket.connect(socket)) {
      if (in != null && Files.exists(state.resolve("stdin"))) {
        Thread feeder = new Thread(() -> feed(in, s), "stdin-" + id);
        feeder.setDaemon(true); // the container may exit before our input ends
        feeder.start();
      }
      int n;
      while ((n = s.receive(buf)) > 0) {
        OutputStream target = buf[0] == 3 ? err : out;
        target.write(buf, 1, n - 1);
        target.flush();
      }
    }
    Path exit = state.resolve("exits").resolve(id);
    for (int i = 0; i < 500 && !Files.exists(exit); i++) {
      sleep(10);
    }
    return Files.exists(exit) ? Integer.parseInt(Files.readString(exit).trim()) : -1;
  }

  /** Copies {@code in} to the attach socket, then half-closes it: conmon closes the stdin pipe. */
  private static void feed(InputStream in, SeqPacketSocket s) {
    byte[] chunk = new byte[8192];
    try {
      int n;
      while ((n = in.read(chunk)) > 0) {
        s.send(chunk, n);
      }
      s.shutdownOutput();
    } catch (IOException e) {
      // the container went away, or the socket with it: nothing left to feed
    }
  }

  /** create + start, then follows the log until the container exits; returns its exit code. */
  public int run(Path bundle, String id, Consumer<String> out) throws IOException {
    create(bundle, id);
    start(id);
    Path exit = exitFile(id);
    try (LogReader log = LogReader.open(logFile(id), null)) {
      while (true) {
        boolean done = Files.exists(exit);
        for (LogReader.Line l : log.more()) {
          out.accept(new String(l.text(), StandardCharsets.UTF_8));
        }
        if (done) {
          int code = Integer.parseInt(Files.readString(exit).trim());
          delete(id);
          return code;
        }
        sleep(20);
      }
    }
  }

  /** The directory where conmon writes the exit file of container {@code id}. */
  public Path exitDir(String id) {
    return root.resolve(id).resolve("exits");
  }

  private Path exitFile(String id) {
    return exitDir(id).resolve(id);
  }

  /** The exit code conmon recorded, once the container has ended. */
  public Optional<Integer> exitCode(String id) throws IOException {
    Path exit = exitFile(id);
    if (!Files.exists(exit)) {
      return Optional.empty();
    }
    String text = Files.readString(exit).trim();
    return text.isEmpty() ? Optional.empty() : Optional.of(Integer.parseInt(text));
  }

  /** When conmon recorded the exit. */
  public Optional<Instant> exitTime(String id) throws IOException {
    Path exit = exitFile(id);
    return Files.exists(exit)
        ? Optional.of(Files.getLastModifiedTime(exit).toInstant())
        : Optional.empty();
  }

  /** True when conmon saw the kernel's OOM killer hit the container. */
  public boolean oomKilled(String id) {
    return Files.exists(root.resolve(id).resolve("persist").resolve("oom"));
  }

  /** The container's process id on the host, or 0 before it exists. */
  public long pid(String id) throws IOException {
    Path p = root.resolve(id).resolve("container.pid");
    String text = Files.exists(p) ? Files.readString(p).trim() : "";
    return text.isEmpty() ? 0 : Long.parseLong(text);
  }

  /** The process id of the container's conmon, or 0 before it wrote it. */
  public long monitorPid(String id) throws IOException {
    Path p = root.resolve(id).resolve("conmon.pid");
    String text = Files.exists(p) ? Files.readString(p).trim() : "";
    return text.isEmpty() ? 0 : Long.parseLong(text);
  }

  /** True while the container's conmon runs. */
  public boolean monitorAlive(String id) throws IOException {
    Path p = root.resolve(id).resolve("conmon.pid");
    String text = Files.exists(p) ? Files.readString(p).trim() : "";
    return !text.isEmpty()
        && ProcessHandle.of(Long.parseLong(text)).map(ProcessHandle::isAlive).orElse(false);
  }

  /** The container's output, in CRI's k8s-file format. */
  public Path logFile(String id) {
    return logRoot != null
        ? logRoot.resolve(id + ".log")
        : root.resolve(id).resolve("container.log");
  }

  /**
   * Releases what an ended container holds — the runtime's record and the bundle's mounts — but
   * keeps its log and exit code.
   */
  public void release(String id, Path bundle) throws IOException {
    checkId(id);
    try {
      runtimeVerb(id, "delete", "--force", id);
    } catch (ContainerException gone) {
      // the runtime no longer knows it: nothing to delete
    }
    if (Files.exists(bundle.resolve(".mounts"))) {
      new ContainerLauncher(mounter, runtime, root, info)
          .releaseMounts(ContainerLauncher.recorded(bundle));
    }
    ContainerLauncher.deleteTree(bundle);
  }

  /** The output and exit status of a command run in a container. */
  public record ExecResult(byte[] stdout, byte[] stderr, int exitCode) {}

  /**
   * Runs {@code command} in the running container {@code id} and waits for it.
   *
   * @param timeoutSeconds kill it after this long; 0 waits for ever
   */
  public ExecResult exec(String id, List<String> command, long timeoutSeconds) throws IOException {
    checkId(id);
    List<String> cmd =
        new ArrayList<>(
            List.of(runtime.binary().toString(), "--root", runtime.root().toString(), "exec", id));
    cmd.addAll(command);
    Process p = new ProcessBuilder(cmd).start();
    var err = java.util.concurrent.CompletableFuture.supplyAsync(() -> readAll(p.getErrorStream()));
    var out = java.util.concurrent.CompletableFuture.supplyAsync(() -> readAll(p.getInputStream()));
    try {
      boolean done =
          timeoutSeconds > 0 ? p.waitFor(timeoutSeconds, TimeUnit.SECONDS) : p.waitFor() >= 0;
      if (!done) {
        p.destroyForcibly().waitFor();
        return new ExecResult(
            out.join(),
            ("timed out after " + timeoutSeconds + " s\n").getBytes(StandardCharsets.UTF_8),
            128 + 9);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      p.destroyForcibly();
      throw new ContainerException("interrupted", e);
    }
    return new ExecResult(out.join(), err.join(), p.exitValue());
  }

  private static byte[] readAll(InputStream in) {
    try {
      return in.readAllBytes();
    } catch (IOException e) {
      return new byte[0];
    }
  }

  private String runtimeVerb(String id, String... args) throws IOException {
    checkId(id);
    List<String> cmd =
        new ArrayList<>(List.of(runtime.binary().toString(), "--root", runtime.root().toString()));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).start();
    byte[] stdout = p.getInputStream().readAllBytes();
    String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    await(p);
    if (p.exitValue() != 0) {
      throw new ContainerException(runtime.name() + " " + args[0] + " " + id + " failed: " + err);
    }
    return new String(stdout, StandardCharsets.UTF_8);
  }

  private static void checkId(String id) throws ContainerException {
    if (!id.matches("[A-Za-z0-9][A-Za-z0-9_.-]{0,127}")) {
      throw new ContainerException("invalid container ID \"" + id + "\" (letters, digits, _ . -)");
    }
  }

  private static String readIfExists(Path p) throws IOException {
    return Files.exists(p) ? Files.readString(p).strip() : "";
  }

  private static void await(Process p) throws ContainerException {
    try {
      if (!p.waitFor(60, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new ContainerException("the runtime did not answer in 60 s");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ContainerException("interrupted", e);
    }
  }

  private static void sleep(long ms) throws ContainerException {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ContainerException("interrupted", e);
    }
  }
}
