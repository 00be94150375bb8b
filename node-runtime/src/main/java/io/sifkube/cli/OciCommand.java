package io.sifkube.cli;

import io.sifkube.json.Json;
import io.sifkube.mount.KernelMounter;
import io.sifkube.runtime.Caller;
import io.sifkube.runtime.ContainerException;
import io.sifkube.runtime.OciLifecycle;
import io.sifkube.runtime.OciRuntime;
import io.sifkube.sif.SifException;
import io.sifkube.sys.SyscallException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

/**
 * {@code sifctl oci …}: SingularityCE's OCI command group — mount an image as a bundle, then drive
 * a container through its lifecycle under conmon.
 */
@Command(
    name = "oci",
    mixinStandardHelpOptions = true,
    description =
        "Manage OCI containers: mount, create, start, state, exec, pause, resume, update, kill, delete, run, umount.")
final class OciCommand {

  @Spec CommandSpec spec;

  @Option(
      names = "--runtime",
      scope = ScopeType.INHERIT,
      description = "crun or runc (default: crun when it can run here)")
  String runtime;

  private OciLifecycle lifecycle() throws CliException {
    requireRoot();
    try {
      return new OciLifecycle(
          // Unsealed, as in RunCommand. conmon, which outlives this process, is handed the
          // runtime's path: the installed binary's stays valid, this process's memfd would not.
          OciRuntime.choose(runtime, Info::warn),
          new KernelMounter("1".equals(System.getenv("SIFKUBE_SQUASHFUSE")), Info::line),
          Info::line);
    } catch (ContainerException e) {
      throw new CliException(e.getMessage(), e);
    }
  }

  @Command(
      mixinStandardHelpOptions = true,
      name = "mount",
      description = "Mount an OCI-SIF as a bundle (rootfs/, config.json).")
  int mount(
      @Parameters(paramLabel = "SIF") Path sif, @Parameters(paramLabel = "BUNDLE") Path bundle)
      throws Exception {
    return done(() -> lifecycle().mount(sif, bundle));
  }

  @Command(
      mixinStandardHelpOptions = true,
      name = "umount",
      description = "Unmount a bundle made by oci mount.")
  int umount(@Parameters(paramLabel = "BUNDLE") Path bundle) throws Exception {
    return done(() -> lifecycle().umount(bundle));
  }

  @Command(
      mixinStandardHelpOptions = true,
      name = "create",
      description = "Create a container from a bundle, under conmon.")
  int create(
      @Option(
              names = {"-b", "--bundle"},
              required = true,
              description = "the bundle")
          Path bundle,
      @Option(
              names = {"-i", "--stdin"},
              description = "keep the container's stdin open for oci attach to feed")
          boolean stdin,
      @Parameters(paramLabel = "ID") String id)
      throws Exception {
    return done(() -> lifecycle().create(bundle, id, stdin));
  }

  @Command(
      mixinStandardHelpOptions = true,
      name = "start",
      description = "Start a created container.")
  int start(@Parameters(paramLabel = "ID") String id) throws Exception {
    return done(() -> lifecycle().start(id));
  }

  @Command(
      mixinStandardHelpOptions = true,
      name = "state",
      description = "Print a container's state as JSON.")
  int state(@Parameters(paramLabel = "ID") String id) throws Exception {
    return call(
        () -> {
          var json = lifecycle().state(id);
          var out = spec.commandLine().getOut();
          out.println(Json.pretty(json));
          out.flush();
          return 0;
        });
  }

  @Command(
      mixinStandardHelpOptions = true,
      name = "kill",
      description = "Send a signal (default TERM) to a container.")
  int kill(
      @Parameters(index = "0", paramLabel = "ID") String id,
      @Parameters(index = "1", arity = "0..1", paramLabel = "SIGNAL", defaultValue = "TERM")
          String signal)
      throws Exception {
    return done(() -> lifecycle().kill(id, signal));
  }

  @Command(
      mixinStandardHelpOptions = true,
      name = "attach",
      description =
          "Follow a running container's output until it exits; feed it our stdin when it was"
              + " created with --stdin.")
  int attach(
      @Option(names = "--no-stdin", description = "do not send our stdin") boolean noStdin,
      @Parameters(paramLabel = "ID") String id)
      throws Exception {
    return call(
        () -> {
          int code = lifecycle().attach(id, noStdin ? null : System.in, System.out, System.err);
          return code < 0 ? 1 : code;
        });
  }

  @Command(
      mixinStandardHelpOptions = true,
      name = "pause",
      description = "Suspend every process of a running container.")
  int pause(@Parameters(paramLabel = "ID") String id) throws Exception {
    return done(() -> lifecycle().pause(id));
  }

  @Command(
      mixinStandardHelpOptions = true,
      name = "resume",
      description = "Resume a paused container.")
  int resume(@Parameters(paramLabel = "ID") String id) throws Exception {
    return done(() -> lifecycle().resume(id));
  }

  @Command(
      mixinStandardHelpOptions = true,
      name = "update",
      description = "Change a running container's cgroup limits (linux.resources as JSON).")
  int update(
      @Option(
              names = {"-r", "--from-file"},
              required = true,
              paramLabel = "FILE",
              description = "the new limits: the runtime spec's linux.resources, as JSON")
          Path resources,
      @Parameters(paramLabel = "ID") String id)
      throws Exception {
    return done(() -> lifecycle().update(id, resources));
  }

  @Command(
      mixinStandardHelpOptions = true,
      name = "exec",
      description = "Run a command in a running container; its exit code is sifctl's.")
  int exec(
      @Parameters(index = "0", paramLabel = "ID") String id,
      @Parameters(index = "1..*", arity = "1..*", paramLabel = "COMMAND") List<String> command)
      throws Exception {
    return call(
        () -> {
          var r = lifecycle().exec(id, command, 0);
          System.out.write(r.stdout());
          System.out.flush();
          System.err.write(r.stderr());
          System.err.flush();
          return r.exitCode();
        });
  }

  @Command(
      mixinStandardHelpOptions = true,
      name = "delete",
      description = "Delete a container (stopping it if it runs).")
  int delete(@Parameters(paramLabel = "ID") String id) throws Exception {
    return done(() -> lifecycle().delete(id));
  }

  @Command(
      mixinStandardHelpOptions = true,
      name = "run",
      description = "Create and start a container, follow its output, delete it.")
  int run(
      @Option(
              names = {"-b", "--bundle"},
              required = true,
              description = "the bundle")
          Path bundle,
      @Parameters(paramLabel = "ID") String id)
      throws Exception {
    return call(
        () ->
            lifecycle()
                .run(
                    bundle,
                    id,
                    line -> {
                      System.out.println(line);
                      System.out.flush();
                    }));
  }

  /** A command body that may fail with a runtime, SIF or system-call error. */
  private interface Action {
    int run() throws Exception;
  }

  /** A command body with nothing to report but success. */
  private interface Step {
    void run() throws Exception;
  }

  /** Runs {@code a}, turning the lower layers' errors into one sifctl error line. */
  private static int call(Action a) throws Exception {
    try {
      return a.run();
    } catch (ContainerException | SifException | SyscallException e) {
      throw new CliException(e.getMessage(), e);
    }
  }

  private static int done(Step s) throws Exception {
    return call(
        () -> {
          s.run();
          return 0;
        });
  }

  static void requireRoot() throws CliException {
    boolean root;
    try {
      root = Caller.current().isRoot();
    } catch (IOException e) {
      root = false;
    }
    if (!root) {
      throw new CliException(
          "sifctl oci needs root (unprivileged users: sifctl run|exec, with --fakeroot for root"
              + " inside)");
    }
  }
}
