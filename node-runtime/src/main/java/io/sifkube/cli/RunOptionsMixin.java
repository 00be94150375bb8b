package io.sifkube.cli;

import io.sifkube.spec.Capabilities;
import io.sifkube.spec.RunOptions;
import io.sifkube.spec.RuntimeSpec;
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

  @Option(names = "--runtime", description = "crun or runc (default: crun when it can run here)")
  String runtime;

  @Option(names = "--cache-dir", description = "image cache for pull sources")
  Path cacheDir;

  RunOptions toOptions(boolean exec, List<String> command) throws CliException {
    try {
      List<RunOptions.Bind> b = new ArrayList<>();
      for (String s : binds) {
        b.add(RunOptions.Bind.parse(s));
      }
      addCaps.forEach(Capabilities::normalize);
      dropCaps.forEach(Capabilities::normalize);
      long mem = memory == null ? 0 : RuntimeSpec.parseSize(memory);
      if (cpus < 0 || pidsLimit < 0) {
        throw new IllegalArgumentException("--cpus and --pids-limit must not be negative");
      }
      String home = System.getProperty("user.home");
      String pwd = Path.of("").toAbsolutePath().toString();
      return new RunOptions(
          exec, command, env, cwd, user, hostname, b, !noCompat, home, pwd, noPrivs, addCaps,
          dropCaps, mem, cpus, pidsLimit, net);
    } catch (IllegalArgumentException e) {
      throw new CliException(e.getMessage());
    }
  }
}
