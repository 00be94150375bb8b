package io.sifkube.cli;

import io.sifkube.cdi.Injection;
import io.sifkube.cdi.InventoryCache;
import io.sifkube.image.ImageException;
import io.sifkube.image.pull.SourceSpecs;
import io.sifkube.mount.FuseMounter;
import io.sifkube.mount.KernelMounter;
import io.sifkube.mount.Mounter;
import io.sifkube.ranks.LocalRanks;
import io.sifkube.runtime.Caller;
import io.sifkube.runtime.ContainerException;
import io.sifkube.runtime.ContainerLauncher;
import io.sifkube.runtime.OciRuntime;
import io.sifkube.sif.SifException;
import io.sifkube.spec.RunOptions;
import io.sifkube.spec.UserNamespace;
import io.sifkube.sys.Syscalls;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.FutureTask;

/**
 * {@code sifctl run|exec|shell [OPTIONS] IMAGE [ARGS]}: a container in the foreground from an
 * OCI-SIF file or any pull source; sifctl exits with the container's status. {@code run} starts the
 * image's ENTRYPOINT + CMD (ARGS replace CMD), {@code exec} the command given, {@code shell} an
 * interactive /bin/sh on the caller's terminal.
 *
 * <p>Its options come from {@link RunFlags#TABLE}, not picocli (see {@link OptionTable} for why).
 */
final class RunCommand {

  /** The three commands: their names, what help says of them and the positional arguments. */
  enum Kind {
    RUN("run", "Run the image's ENTRYPOINT + CMD in a container (ARGS replace CMD).", "[ARGS...]"),
    EXEC("exec", "Run a command in a container of the image.", "CMD [ARGS...]"),
    SHELL("shell", "Run an interactive shell (/bin/sh) in a container of the image.", "");

    final String command;
    final String description;
    final String args;

    Kind(String command, String description, String args) {
      this.command = command;
      this.description = description;
      this.args = args;
    }

    /** The kind {@code sifctl NAME} runs, or null when NAME is another command. */
    static Kind of(String name) {
      for (Kind k : values()) {
        if (k.command.equals(name)) {
          return k;
        }
      }
      return null;
    }
  }

  private final Kind kind;
  private final RunFlags options = new RunFlags();
  private String image;
  private List<String> args = List.of();

  private RunCommand(Kind kind) {
    this.kind = kind;
  }

  /**
   * Runs {@code sifctl KIND args}: parses, then runs the container; returns the exit status. Bad
   * options give {@link Sifctl#EXIT_USAGE} with the usual hint, a failure one error line and {@link
   * Sifctl#EXIT_FAILURE}, as on every other command.
   */
  static int main(Kind kind, List<String> args, PrintWriter out, PrintWriter err) {
    RunCommand cmd = new RunCommand(kind);
    try {
      if (!cmd.parse(args, out)) {
        return 0;
      }
    } catch (OptionTable.UsageException e) {
      return TableCommand.usageError(kind.command, e, err);
    }
    return TableCommand.outcome(cmd::call, out, err);
  }

  /** Takes the command line; false when it only asked for help or the version (now printed). */
  private boolean parse(List<String> argv, PrintWriter out) throws OptionTable.UsageException {
    List<String> rest = RunFlags.TABLE.parse(options, argv);
    if (options.help || options.version) {
      if (options.help) {
        usage(kind, out);
      } else {
        out.println(Sifctl.version());
      }
      return false;
    }
    if (rest.isEmpty()) {
      throw new OptionTable.UsageException(
          "missing IMAGE (an OCI-SIF or SIF file, or a pull source)");
    }
    image = rest.get(0);
    args = List.copyOf(rest.subList(1, rest.size()));
    if (kind == Kind.SHELL && !args.isEmpty()) {
      throw new OptionTable.UsageException(
          "shell takes no command (it runs /bin/sh); use exec for '" + args.get(0) + "'");
    }
    return true;
  }

  /** The help of {@code sifctl KIND --help}. */
  static void usage(Kind kind, PrintWriter out) {
    out.println(
        "Usage: sifctl "
            + kind.command
            + " [OPTIONS] IMAGE"
            + (kind.args.isEmpty() ? "" : " " + kind.args));
    out.println(kind.description);
    out.println(
        "IMAGE is an OCI-SIF or SIF file, or a pull source (docker://REF, oci:DIR[:TAG], ...).");
    out.println("Options (only before IMAGE; what follows IMAGE is the container's):");
    RunFlags.TABLE.describe(out);
    out.flush();
  }

  private int call() throws Exception {
    Caller caller = Caller.current();
    if (caller.isRoot()) {
      // A root run ends in the hand-over to the runtime, whose system calls need libc: it is
      // bound on the second core while this one reads the options and the image.
      Syscalls.loadInBackground(options.mayFilter());
    }
    FutureTask<Injection> devices =
        options.cdiInBackground(
            new InventoryCache(caller.stateRoot().resolve("cdi"), caller.uid()));
    RunOptions opts = options.toOptions(kind == Kind.EXEC, args, Injection.NONE);
    if (kind == Kind.SHELL) {
      boolean tty = System.console() != null;
      opts = opts.withCommand(true, List.of("/bin/sh")).withExtras(opts.extras().withTerminal(tty));
    }
    try {
      Path state = caller.stateRoot();
      // No sealed copy of the runtime (as siflet makes): a one-shot command calls it once, and
      // copying the binary costs more than the runtime's own guard against CVE-2019-5736.
      OciRuntime rt = OciRuntime.choose(options.runtime, Info::warn, state.resolve("runtime"));
      Optional<UserNamespace> userns =
          caller.userNamespace(options.fakeroot, rt.name().equals("runc"));
      if (options.fakeroot && opts.user() == null) {
        opts = opts.toBuilder().user("0:0").build(); // --fakeroot is root, whatever USER says
      }
      Mounter mounter =
          new KernelMounter("1".equals(System.getenv("SIFKUBE_SQUASHFUSE")), Info::line);
      if (userns.isPresent() && userns.get().rootless()) {
        opts = rootless(caller, userns.get(), opts);
        mounter = FuseMounter.forCaller(userns.get(), caller.uid(), caller.gid());
      }
      opts = opts.withExtras(opts.extras().toBuilder().userNamespace(userns.orElse(null)).build());
      Path sif = resolveImage();
      // Taken once the image is read, before anything is mounted: a device that does not resolve
      // fails the run there.
      ContainerLauncher launcher =
          new ContainerLauncher(mounter, rt, state.resolve("sifctl"), Info::line);
      ContainerLauncher.Devices resolved =
          () -> {
            try {
              return RunFlags.await(devices);
            } catch (CliException e) {
              throw new ContainerException(e.getMessage(), e);
            }
          };
      if (options.ranks > 1) {
        return ranks(caller, userns.isPresent(), launcher, state, sif, opts, resolved);
      }
      return launcher.run(sif, opts, resolved);
    } catch (ContainerException | SifException | ImageException e) {
      throw new CliException(e.getMessage(), e);
    }
  }

  /** {@code --ranks N}: N containers wired up together; the first failure ends them all. */
  private int ranks(
      Caller caller,
      boolean userns,
      ContainerLauncher launcher,
      Path state,
      Path sif,
      RunOptions opts,
      ContainerLauncher.Devices devices)
      throws Exception {
    if (!caller.isRoot() || userns) {
      throw new CliException(
          "--ranks "
              + options.ranks
              + ": ranks share PID and IPC namespaces and a /dev/shm, which needs root (not"
              + " --fakeroot or an unprivileged run) for now");
    }
    if (kind == Kind.SHELL) {
      throw new CliException("--ranks: shell is interactive; run or exec the ranks' command");
    }
    if (opts.network()) {
      throw new CliException(
          "--ranks with --net: ranks use the host's network, through which the PMI server and"
              + " MPI reach them");
    }
    LocalRanks.Outcome end =
        new LocalRanks(launcher, state.resolve("sifctl"), options.ranks)
            .run(
                sif,
                opts,
                options.mpi.equals("pmi"),
                options.pmiTimeout,
                devices,
                why -> Info.warn("ranks: " + why + "; stopping the others"));
    if (end.failure() != null) {
      // the failing rank's status, as srun gives a failed step's (not the 137 of those it killed)
      System.err.println(
          "sifctl: error: " + end.failure() + " (rank exit statuses " + end.statuses() + ")");
      return end.status() == 0 ? Sifctl.EXIT_FAILURE : end.status();
    }
    return 0;
  }

  private Path resolveImage() throws Exception {
    Path file = Path.of(image);
    if (Files.isRegularFile(file)) {
      return file;
    }
    if (!image.contains(":")) {
      throw new CliException(image + ": no such image file");
    }
    if (!SourceSpecs.isSource(image)) { // before any pull code: see RunPull
      throw new CliException(
          image + ": no such image file, and an unknown source; use " + SourceSpecs.KINDS);
    }
    return RunPull.pull(
        image, options.cacheDir, options.authfile, options.dockerHost, options.squashfsCompression);
  }

  /**
   * An unprivileged run is the caller inside, as in SingularityCE: without {@code --fakeroot} no
   * other user can be mapped, so {@code --user} may only name the caller.
   */
  private static RunOptions rootless(Caller caller, UserNamespace userns, RunOptions opts)
      throws CliException {
    if (!userns.fakeroot()) {
      String self = caller.uid() + ":" + caller.gid();
      if (opts.user() != null
          && !opts.user().equals(self)
          && !opts.user().equals(Long.toString(caller.uid()))
          && !opts.user().equals(caller.name())) {
        throw new CliException(
            "--user "
                + opts.user()
                + ": an unprivileged run is the caller (uid "
                + caller.uid()
                + ") inside; other users need --fakeroot or root");
      }
      return opts.toBuilder().user(self).build();
    }
    if (userns.uids().size() == 1) {
      Info.warn(
          "no /etc/subuid and /etc/subgid range for "
              + caller.name()
              + ": --fakeroot maps only root (files of other users show as nobody)");
    }
    return opts;
  }
}
