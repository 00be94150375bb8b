package io.sifkube.cli;

import io.sifkube.image.ImageException;
import io.sifkube.image.oci.Platform;
import io.sifkube.image.pull.ImagePuller;
import io.sifkube.image.pull.ImageSource;
import io.sifkube.image.squash.LayerLimits;
import io.sifkube.image.squash.Tar2Sqfs;
import io.sifkube.image.store.ImageCache;
import io.sifkube.mount.FuseMounter;
import io.sifkube.mount.KernelMounter;
import io.sifkube.mount.Mounter;
import io.sifkube.runtime.Caller;
import io.sifkube.runtime.ContainerException;
import io.sifkube.runtime.ContainerLauncher;
import io.sifkube.runtime.OciRuntime;
import io.sifkube.sif.SifException;
import io.sifkube.spec.RunOptions;
import io.sifkube.spec.UserNamespace;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code sifctl run IMAGE [ARGS]}: run a container in the foreground from an OCI-SIF file or any
 * pull source; sifctl exits with the container's status. {@link ExecCommand} is the same with an
 * explicit command.
 */
@Command(
    name = "run",
    mixinStandardHelpOptions = true,
    description = "Run the image's ENTRYPOINT + CMD in a container (ARGS replace CMD).")
class RunCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Mixin RunOptionsMixin options;

  @Parameters(
      index = "0",
      paramLabel = "IMAGE",
      description = "an OCI-SIF or SIF file, or a pull source")
  String image;

  @Parameters(index = "1..*", paramLabel = "ARGS", description = "command and arguments")
  List<String> args = new ArrayList<>();

  @Override
  public Integer call() throws Exception {
    boolean exec =
        spec.commandLine().getParseResult().originalArgs().stream().anyMatch(a -> a.equals("exec"));
    RunOptions opts = adjust(options.toOptions(exec, args));
    try {
      Caller caller = Caller.current();
      Path state = caller.stateRoot();
      OciRuntime rt =
          OciRuntime.choose(options.runtime, Info::warn, state.resolve("runtime"))
              .sealed(Info::line);
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
      return new ContainerLauncher(mounter, rt, state.resolve("sifctl"), Info::line).run(sif, opts);
    } catch (ContainerException | SifException | ImageException e) {
      throw new CliException(e.getMessage(), e);
    }
  }

  /** Lets a subcommand change the options (shell: the command and the terminal). */
  RunOptions adjust(RunOptions opts) {
    return opts;
  }

  /** True for {@code exec}: the arguments are the whole command. */
  boolean isExec() {
    return false;
  }

  private Path resolveImage() throws Exception {
    Path file = Path.of(image);
    if (Files.isRegularFile(file)) {
      return file;
    }
    if (!image.contains(":")) {
      throw new CliException(image + ": no such image file");
    }
    ImageCache cache =
        new ImageCache(options.cacheDir != null ? options.cacheDir : ImageCache.defaultRoot());
    try (ImageSource src = Sources.open(image, null, false, cache.root().resolve("tmp"))) {
      var puller =
          new ImagePuller(
              cache, ConsoleProgress.forStderr(), LayerLimits.DEFAULT, Tar2Sqfs.fromPath());
      return puller.pull(src, Platform.host()).sif();
    }
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
