package io.sifkube.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sifkube.cdi.Injection;
import io.sifkube.image.oci.MediaTypes;
import io.sifkube.json.Json;
import io.sifkube.mount.KernelMounter;
import io.sifkube.mount.Mounter;
import io.sifkube.sif.SifCodes;
import io.sifkube.sif.SifDescriptor;
import io.sifkube.sif.SifFile;
import io.sifkube.sif.oci.OciSifImage;
import io.sifkube.sif.oci.OciSifReader;
import io.sifkube.spec.RunOptions;
import io.sifkube.spec.RuntimeSpec;
import io.sifkube.sys.SyscallException;
import io.sifkube.sys.Syscalls;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * Runs one container from an OCI-SIF (or a native SIF) in the foreground, as {@code singularity
 * run|exec --oci} does: the squashfs layer is mounted in place from the SIF, a writable overlay on
 * tmpfs goes on top, the runtime spec is written into a bundle, and the OCI runtime runs it with
 * our standard streams. Everything mounted is released when the container ends, and what a killed
 * sifctl left behind is released by the next one ({@link #sweep}).
 */
public final class ContainerLauncher {

  private static final int MAX_ID_FILE = 1 << 20;
  private static final String MOUNTS_FILE = ".mounts";
  private static final String SHARED_FILE = ".layers";

  /** Why CDI hooks may fail in this bundle (see Injection#readOnlyRootNote), when they may. */
  public static final String HOOK_NOTE_FILE = ".cdi-hooks";

  /**
   * Marks a run that became the runtime's process ({@link #run}): its bundle and mounts lived in a
   * mount namespace of its own and went with it, so only this marker and the pid file remain (and,
   * if the runtime itself was killed, its record of the container) for {@link #sweep}.
   */
  private static final String HANDED_OVER_FILE = ".handed-over";

  private final Mounter mounter;
  private final OciRuntime runtime;
  private final Path stateDir;
  private final Consumer<String> info;
  private final boolean child;

  public ContainerLauncher(
      Mounter mounter, OciRuntime runtime, Path stateDir, Consumer<String> info) {
    this(mounter, runtime, stateDir, info, false);
  }

  private ContainerLauncher(
      Mounter mounter, OciRuntime runtime, Path stateDir, Consumer<String> info, boolean child) {
    this.mounter = mounter;
    this.runtime = runtime;
    this.stateDir = stateDir;
    this.info = info;
    this.child = child;
  }

  /**
   * The same launcher for one of several containers this process runs side by side (the ranks of
   * {@code sifctl run --ranks}): the runtime stays a child instead of replacing this process,
   * signals are left to the caller, who stops all of them together, and the caller calls {@link
   * #sweep} once before it starts them.
   */
  public ContainerLauncher asChild() {
    return new ContainerLauncher(mounter, runtime, stateDir, info, true);
  }

  /** An image's squashfs layers (bottom first) and config. */
  record Image(List<long[]> layers, JsonNode config) {}

  /** Runs the container to completion; returns its exit status (128+N when killed by signal N). */
  public int run(Path sif, RunOptions opts) throws IOException {
    return run(sif, opts, () -> opts.extras().cdi());
  }

  /** The CDI devices of a run, resolved while the image is read; a failure names the device. */
  public interface Devices {
    Injection get() throws ContainerException;
  }

  /**
   * As {@link #run(Path, RunOptions)}, with the CDI devices taken from {@code devices} once the
   * image is read and checked, before anything is mounted: a caller resolving them on another
   * thread overlaps that with the image.
   */
  public int run(Path sif, RunOptions options, Devices devices) throws IOException {
    Timings t = new Timings();
    Image image = readImage(sif);
    preflight(image, options);
    RunOptions opts = options.withExtras(options.extras().toBuilder().cdi(devices.get()).build());
    List<OverlaySource> overlays = OverlaySource.parse(opts.extras().overlays());
    for (OverlaySource ov : overlays) {
      if (ov.kind() == OverlaySource.Kind.EXT3 && !(mounter instanceof KernelMounter)) {
        mounter.ext3(ov.path(), null, !ov.writable()); // refuses, saying why, before any mount
      }
    }
    if (!child) {
      sweep(); // a parent of several (asChild) sweeps once, before it starts any: else one
      // child's sweep could take a sibling's new directory for an earlier run's leftover
    }
    t.mark("image");
    Path dir = newRunDir();
    String id = dir.getFileName().toString();
    Deque<Path> mounted = new ArrayDeque<>();
    try {
      Files.writeString(dir.resolve("pid"), Long.toString(Pids.self()));
      // With kernel mounts only, this process becomes the runtime (exec) once the bundle is
      // ready, in a mount namespace of its own that releases every mount when the container's
      // last process exits: no second process to start and wait for, no teardown to run. The
      // bundle itself is a tmpfs of that namespace; the host keeps only the pid and marker files.
      boolean handOver = !child && mounter.kernelMountsOnly();
      if (handOver) {
        try {
          Syscalls.privateMountNamespace();
          Files.createFile(dir.resolve(HANDED_OVER_FILE));
          Syscalls.mount(
              "tmpfs", dir, "tmpfs", Syscalls.MS_NOSUID | Syscalls.MS_NODEV, "mode=0755");
          mounted.push(dir);
        } catch (SyscallException e) {
          handOver = false; // the runtime runs as a child, and this process cleans up after it
        }
      }
      Deque<Path> bundle = prepareBundle(sif, image, opts, overlays, dir, null, t);
      while (!bundle.isEmpty()) {
        mounted.push(bundle.removeLast()); // last mounted first, the bundle's tmpfs last
      }
      RuntimeProcess process = new RuntimeProcess(runtime, id, dir);
      if (handOver && mounter.kernelMountsOnly()) {
        t.report(info);
        // Returns only when the exec failed; then this process releases everything itself.
        throw Syscalls.exec(process.runCommand(), System.getenv());
      }
      int status = child ? process.runChild() : process.runForeground();
      t.mark(runtime.name() + " run");
      return status;
    } finally {
      release(dir, mounted);
      t.mark("teardown");
      t.report(info);
    }
  }

  /** Writes the run's inline files into the bundle and binds each, read-only, where it goes. */
  private static RunOptions withFiles(RunOptions opts, Path dir) throws IOException {
    if (opts.extras().files().isEmpty()) {
      return opts;
    }
    Path files = Files.createDirectories(dir.resolve("files"));
    List<RunOptions.Bind> binds = new ArrayList<>(opts.binds());
    int i = 0;
    for (var e : new java.util.TreeMap<>(opts.extras().files()).entrySet()) {
      Path f = files.resolve(Integer.toString(i++));
      Files.writeString(f, e.getValue());
      binds.add(new RunOptions.Bind(f.toString(), e.getKey(), true));
    }
    return opts.toBuilder().binds(binds).build();
  }

  /** A new directory for one run, created exclusively: its name is the run's id. */
  private Path newRunDir() throws IOException {
    Files.createDirectories(stateDir);
    while (true) {
      try {
        return Files.createDirectory(stateDir.resolve(Pids.newId("sifctl-")));
      } catch (FileAlreadyExistsException e) {
        // one in 2^128, or a clock-seeded generator met again: draw another
      }
    }
  }

  /**
   * Mounts the image into {@code bundle} ({@code layers/N}, {@code overlays/N}, the {@code
   * overlay/} tmpfs, {@code rootfs/}) and writes {@code config.json}. The mount points are also
   * listed in {@code bundle/.mounts}, so that a later process can release them. With {@code
   * shared}, the image's layers come from there instead of {@code layers/N}, and the directories
   * used are listed in {@code bundle/.layers}. On failure everything mounted so far is released
   * again (layers taken from {@code shared} are the caller's to release).
   *
   * @return the mount points, last mounted first
   */
  Deque<Path> prepareBundle(
      Path sif,
      Image image,
      RunOptions opts,
      List<OverlaySource> overlays,
      Path dir,
      LayerMounts shared,
      Timings t)
      throws IOException {
    Deque<Path> mounted = new ArrayDeque<>();
    try {
      List<Path> lowers = new ArrayList<>();
      for (int i = 0; i < image.layers().size(); i++) {
        long[] at = image.layers().get(i);
        Path l;
        if (shared == null) {
          l = Files.createDirectories(dir.resolve("layers/" + i));
          mounter.squashfs(sif, at[0], at[1], l);
          remember(dir, mounted, l);
        } else {
          l = shared.lower(sif, at[0], at[1], dir);
          append(dir.resolve(SHARED_FILE), l);
        }
        lowers.add(0, l); // overlayfs wants the top layer first
      }
      Path upper = null;
      Path work = null;
      for (int i = 0; i < overlays.size(); i++) {
        OverlaySource ov = overlays.get(i);
        Path top;
        if (ov.kind() == OverlaySource.Kind.DIRECTORY) {
          top = ov.path();
        } else {
          top = Files.createDirectories(dir.resolve("overlays/" + i));
          if (ov.kind() == OverlaySource.Kind.SQUASHFS) {
            mounter.squashfs(ov.path(), 0, Files.size(ov.path()), top);
          } else {
            mounter.ext3(ov.path(), top, !ov.writable());
          }
          remember(dir, mounted, top);
        }
        if (ov.writable()) {
          // SingularityCE's layout: the changes live in upper/, overlayfs works in work/.
          upper = Files.createDirectories(top.resolve("upper"));
          work = Files.createDirectories(top.resolve("work"));
        } else {
          Path content = ov.kind() == OverlaySource.Kind.DIRECTORY ? top : top.resolve("upper");
          lowers.add(0, Files.isDirectory(content) ? content : top);
        }
      }
      boolean persistent = upper != null;
      if (!persistent) {
        Path tmp = Files.createDirectories(dir.resolve("overlay"));
        if (mounter.scratch(tmp)) {
          remember(dir, mounted, tmp);
        }
        upper = Files.createDirectories(tmp.resolve("upper"));
        work = Files.createDirectories(tmp.resolve("work"));
      }
      Path rootfs = Files.createDirectories(dir.resolve("rootfs"));
      mounter.overlay(lowers, upper, work, rootfs);
      remember(dir, mounted, rootfs);
      t.mark("mount");
      opts = withFiles(opts, dir);

      if (!opts.extras().dns().isEmpty()) {
        Path resolv = dir.resolve("resolv.conf");
        StringBuilder r = new StringBuilder();
        opts.extras().dns().forEach(ns -> r.append("nameserver ").append(ns).append('\n'));
        Files.writeString(resolv, r.toString());
        opts = opts.withExtras(opts.extras().withResolvConf(resolv.toString()));
      }
      ObjectNode spec =
          RuntimeSpec.build(
              image.config(),
              opts,
              readSmall(rootfs.resolve("etc/passwd")),
              readSmall(rootfs.resolve("etc/group")));
      if (persistent) {
        ((ObjectNode) spec.path("root")).put("readonly", false); // a writable overlay was asked for
      }
      mounter.checkReachable(spec.path("process").path("user").path("uid").asLong());
      String note =
          opts.extras()
              .cdi()
              .readOnlyRootNote(spec.path("root").path("readonly").asBoolean(), runtime.name());
      if (note != null) {
        info.accept(note);
        Files.writeString(dir.resolve(HOOK_NOTE_FILE), note); // for a failed create to repeat
      }
      SeccompFilters.precompile(spec, runtime, stateDir.resolveSibling("seccomp-bpf"));
      Files.write(dir.resolve("config.json"), Json.bytes(spec));
      t.mark("spec");
      return mounted;
    } catch (IOException | RuntimeException e) {
      releaseMounts(mounted);
      if (e instanceof IllegalArgumentException) {
        throw new ContainerException(sif + ": " + e.getMessage(), e);
      }
      throw e;
    }
  }

  /** Records a mount point, in memory and in {@code dir/.mounts}. */
  private static void remember(Path dir, Deque<Path> mounted, Path target) throws IOException {
    mounted.push(target);
    append(dir.resolve(MOUNTS_FILE), target);
  }

  private static void append(Path file, Path line) throws IOException {
    Files.writeString(file, line + "\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
  }

  /** The shared layer directories {@code bundle} uses (from {@code bundle/.layers}). */
  public static List<Path> sharedLayers(Path bundle) throws IOException {
    Path f = bundle.resolve(SHARED_FILE);
    if (!Files.exists(f)) {
      return List.of();
    }
    return Files.readAllLines(f).stream().filter(l -> !l.isBlank()).map(Path::of).toList();
  }

  /** The mount points listed in {@code dir/.mounts}, last mounted first. */
  static Deque<Path> recorded(Path dir) throws IOException {
    Deque<Path> out = new ArrayDeque<>();
    Path f = dir.resolve(MOUNTS_FILE);
    if (Files.exists(f)) {
      for (String line : Files.readAllLines(f)) {
        if (!line.isBlank()) {
          out.push(Path.of(line));
        }
      }
    }
    return out;
  }

  Image readImage(Path sif) throws IOException {
    try (SifFile f = SifFile.open(sif)) {
      if (OciSifReader.isOciSif(f)) {
        OciSifImage img = OciSifReader.read(f);
        List<long[]> layers = new ArrayList<>();
        for (OciSifImage.Layer l : img.layers()) {
          if (!l.mediaType().equals(MediaTypes.SIF_SQUASHFS_LAYER)) {
            throw new ContainerException(
                sif
                    + ": layer "
                    + l.digest()
                    + " is "
                    + l.mediaType()
                    + "; only squashfs layers can run");
          }
          layers.add(new long[] {l.offset(), l.size()});
        }
        if (layers.isEmpty()) {
          throw new ContainerException(sif + ": the image has no layers");
        }
        return new Image(layers, img.config());
      }
      for (SifDescriptor d : f.descriptors()) {
        var p = d.partition();
        if (p.isPresent()
            && p.get().partType() == SifCodes.PART_PRIMARY_SYSTEM
            && p.get().fsType() == SifCodes.FS_SQUASHFS) {
          info.accept(sif + " is not an OCI-SIF; running its primary squashfs partition");
          ObjectNode cfg = Json.object();
          cfg.putObject("config").putArray("Cmd").add("/bin/sh");
          return new Image(List.of(new long[] {d.offset(), d.size()}), cfg);
        }
      }
      throw new ContainerException(
          sif + ": neither an OCI-SIF nor a SIF with a squashfs primary partition");
    }
  }

  /** Checks what can be checked before anything is mounted. */
  static void preflight(Image image, RunOptions opts) throws IOException {
    for (RunOptions.Bind b : opts.binds()) {
      if (!Files.exists(Path.of(b.source()))) {
        throw new ContainerException("bind source " + b.source() + " does not exist");
      }
    }
    for (String lib : opts.extras().containLibs()) {
      if (!Files.isRegularFile(Path.of(lib))) {
        throw new ContainerException("SIFKUBE_CONTAINLIBS: " + lib + " is not a file");
      }
    }
    String workdir = opts.extras().workdir();
    if (workdir != null) {
      Path w = Path.of(workdir);
      if (!w.isAbsolute() || !Files.isDirectory(w)) {
        throw new ContainerException(
            "--workdir " + workdir + " is not an existing absolute directory");
      }
      // /tmp and /var/tmp of the container, world-writable with the sticky bit as usual.
      for (String sub : List.of("tmp", "var_tmp")) {
        Path d = Files.createDirectories(w.resolve(sub));
        // java.nio cannot set the sticky bit.
        new ProcessBuilder("chmod", "1777", d.toString()).start().onExit().join();
      }
      for (String scratch : opts.extras().scratch()) {
        Path d = Files.createDirectories(w.resolve("scratch" + scratch));
        new ProcessBuilder("chmod", "1777", d.toString()).start().onExit().join();
      }
    }
    try {
      // Everything but the user, which needs the image's /etc/passwd.
      RuntimeSpec.build(image.config(), opts, "", "");
    } catch (IllegalArgumentException e) {
      if (!e.getMessage().contains("/etc/passwd") && !e.getMessage().contains("/etc/group")) {
        throw new ContainerException(e.getMessage(), e);
      }
    }
  }

  private static String readSmall(Path p) throws IOException {
    if (!Files.isRegularFile(p) || Files.size(p) > MAX_ID_FILE) {
      return "";
    }
    return Files.readString(p, StandardCharsets.UTF_8);
  }

  private void release(Path dir, Deque<Path> mounted) throws IOException {
    releaseMounts(mounted);
    deleteTree(dir);
  }

  /** Unmounts, last mounted first; reports the first failure after trying them all. */
  void releaseMounts(Deque<Path> mounted) throws IOException {
    IOException first = null;
    while (!mounted.isEmpty()) {
      try {
        mounter.unmount(mounted.pop());
      } catch (IOException e) {
        first = first == null ? e : first;
      }
    }
    if (first != null) {
      throw first;
    }
  }

  /**
   * Releases what earlier sifctl processes that died (crash, SIGKILL) left under the state
   * directory: their runtime containers, mounts and directories.
   */
  public void sweep() throws IOException {
    if (!Files.isDirectory(stateDir)) {
      return;
    }
    try (Stream<Path> s = Files.list(stateDir)) {
      for (Path dir : s.toList()) {
        Path pid = dir.resolve("pid");
        if (Files.exists(pid) && Pids.alive(parsePid(pid))) {
          continue;
        }
        if (!Files.exists(pid) && isRecent(dir)) {
          continue; // another sifctl is between making its directory and writing its pid
        }
        String id = dir.getFileName().toString();
        boolean handedOver = Files.exists(dir.resolve(HANDED_OVER_FILE));
        // A run that became the runtime left a record only if the runtime itself was killed.
        if (!handedOver || Files.exists(runtime.root().resolve(id))) {
          new RuntimeProcess(runtime, id, dir).forceDelete();
        }
        if (handedOver) {
          Files.deleteIfExists(pid);
          Files.deleteIfExists(dir.resolve(HANDED_OVER_FILE));
          try {
            Files.delete(dir);
          } catch (DirectoryNotEmptyException e) {
            deleteTree(dir); // its bundle's tmpfs was never mounted: the host holds the files
          }
          continue;
        }
        Deque<Path> leftovers = recorded(dir);
        info.accept("cleaning up after an earlier run: " + dir.getFileName());
        release(dir, leftovers);
      }
    }
  }

  private static boolean isRecent(Path dir) {
    try {
      long age = System.currentTimeMillis() - Files.getLastModifiedTime(dir).toMillis();
      return age < 60_000;
    } catch (IOException e) {
      return false;
    }
  }

  private static long parsePid(Path pid) {
    try {
      return Long.parseLong(Files.readString(pid).trim());
    } catch (IOException | NumberFormatException e) {
      return -1;
    }
  }

  /**
   * Deletes {@code dir} and everything in it, but never goes into a file system still mounted below
   * it (a bind of a host directory must not be emptied): such a mount point and the directories
   * above it stay. Mount points are read once, not once per file.
   */
  public static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    Set<Path> mounts = Mounter.mountPoints();
    Path root = dir.toAbsolutePath().normalize();
    boolean mountsBelow = mounts.stream().anyMatch(m -> m.startsWith(root));
    Files.walkFileTree(
        root,
        new SimpleFileVisitor<>() {
          @Override
          public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes a) {
            return mounts.contains(d) ? FileVisitResult.SKIP_SUBTREE : FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult visitFile(Path f, BasicFileAttributes a) throws IOException {
            Files.deleteIfExists(f);
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
            if (e != null) {
              throw e;
            }
            try {
              Files.deleteIfExists(d);
            } catch (DirectoryNotEmptyException busy) {
              if (!mountsBelow) {
                throw busy;
              }
            }
            return FileVisitResult.CONTINUE;
          }
        });
  }
}
