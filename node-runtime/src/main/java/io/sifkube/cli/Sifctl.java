package io.sifkube.cli;

import io.sifkube.runtime.Executables;
import io.sifkube.sif.SifException;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Properties;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code sifctl}: Sifkube's command line for local use, without Kubernetes. This class only wires
 * the subcommands and turns failures into one error line and an exit status.
 */
@Command(
    name = "sifctl",
    mixinStandardHelpOptions = true,
    versionProvider = Sifctl.Version.class,
    description = "Work with SIF and OCI-SIF container images.",
    subcommands = {
      SifCommand.class,
      BuildCommand.class,
      PullCommand.class,
      CacheCommand.class,
      RunCommand.class,
      ExecCommand.class,
      ShellCommand.class,
      OciCommand.class
    })
public final class Sifctl {

  /** Exit status for a failed operation (bad file, missing object, tool failure). */
  static final int EXIT_FAILURE = 1;

  /** Exit status for a command line picocli cannot parse. */
  static final int EXIT_USAGE = 2;

  public static void main(String[] args) {
    Executables.preferVfork();
    System.exit(run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
  }

  /** Runs sifctl with {@code args}; returns the exit status. */
  static int run(String[] args, PrintWriter out, PrintWriter err) {
    if (args.length > 0 && (args[0].equals("--siflet") || args[0].startsWith("--siflet="))) {
      boolean inline = args[0].contains("=");
      if (!inline && args.length < 2) {
        err.println("sifctl: --siflet needs the daemon's socket: sifctl --siflet SOCKET COMMAND");
        return EXIT_USAGE;
      }
      String socket = inline ? args[0].substring("--siflet=".length()) : args[1];
      String[] rest = Arrays.copyOfRange(args, inline ? 1 : 2, args.length);
      return SifletClient.run(Path.of(socket), rest, out, err);
    }
    CommandLine cli = new CommandLine(new Sifctl());
    cli.setOut(out);
    cli.setErr(err);
    // Options after IMAGE belong to the container's command: `sifctl exec img ls -l`.
    cli.getSubcommands().get("run").setStopAtPositional(true);
    cli.getSubcommands().get("exec").setStopAtPositional(true);
    cli.setExecutionExceptionHandler(
        (e, cmd, parsed) -> {
          cmd.getErr().println("sifctl: error: " + describe(e));
          return EXIT_FAILURE;
        });
    cli.setParameterExceptionHandler(
        (e, a) -> {
          CommandLine cmd = e.getCommandLine();
          cmd.getErr().println("sifctl: " + e.getMessage());
          cmd.getErr()
              .println("Run '" + cmd.getCommandSpec().qualifiedName() + " --help' for usage.");
          return EXIT_USAGE;
        });
    return cli.execute(args);
  }

  private static String describe(Exception e) {
    if (e instanceof SifException || e instanceof CliException) {
      return e.getMessage();
    }
    if (e instanceof UncheckedIOException u) {
      return describe(u.getCause());
    }
    if (e instanceof IOException) {
      return e.getClass().getSimpleName() + ": " + e.getMessage();
    }
    // A bug, not bad input: say so plainly rather than dumping a trace on the user.
    return "internal error: " + e;
  }

  /** Reads the version Maven wrote into the jar. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() throws IOException {
      Properties p = new Properties();
      try (InputStream in = Sifctl.class.getResourceAsStream("/io/sifkube/version.properties")) {
        if (in != null) {
          p.load(in);
        }
      }
      return new String[] {"sifctl " + p.getProperty("version", "unknown")};
    }
  }
}
