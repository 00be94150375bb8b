package io.sifkube.cli;

import io.sifkube.image.ImageException;
import io.sifkube.image.oci.Platform;
import io.sifkube.image.pull.ImagePuller;
import io.sifkube.image.pull.ImageSource;
import io.sifkube.image.squash.LayerLimits;
import io.sifkube.image.squash.Tar2Sqfs;
import io.sifkube.image.store.ImageCache;
import io.sifkube.mount.Mounter;
import io.sifkube.runtime.ContainerException;
import io.sifkube.runtime.ContainerLauncher;
import io.sifkube.runtime.OciRuntime;
import io.sifkube.sif.SifException;
import io.sifkube.spec.RunOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
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

  static final Path STATE = Path.of("/run/sifkube/sifctl");

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
    if (!isRoot()) {
      throw new CliException(
          "sifctl "
              + (exec ? "exec" : "run")
              + " needs root for now (rootless runs come with --fakeroot)");
    }
    RunOptions opts = adjust(options.toOptions(exec, args));
    try {
      Path sif = resolveImage();
      OciRuntime rt = OciRuntime.choose(options.runtime, Info::warn);
      return new ContainerLauncher(new Mounter(), rt, STATE, Info::line).run(sif, opts);
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

  static boolean isRoot() {
    try {
      return Files.readAllLines(Path.of("/proc/self/status")).stream()
          .anyMatch(l -> l.startsWith("Uid:") && l.split("\\s+")[1].equals("0"));
    } catch (IOException e) {
      return false;
    }
  }
}
