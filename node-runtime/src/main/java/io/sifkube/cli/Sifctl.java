package io.sifkube.cli;

import io.sifkube.runtime.Executables;
import io.sifkube.sif.SifException;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.Supplier;
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
    description = "Work with SIF and OCI-SIF container images.")
public final class Sifctl {

  /**
   * The subcommands, in the order help lists them. They are added to the command line when it is
   * built: picocli reads every option of every command it holds by reflection before parsing, and
   * for a short command such as {@code sifctl exec} that was a large part of its time, so a command
   * line naming one subcommand gets only that one.
   */
  private static final Map<String, Supplier<Object>> SUBCOMMANDS = new LinkedHashMap<>();

  static {
    SUBCOMMANDS.put("sif", SifCommand::new);
    SUBCOMMANDS.put("build", BuildCommand::new);
    SUBCOMMANDS.put("pull", PullCommand::new);
    SUBCOMMANDS.put("cache", CacheCommand::new);
    SUBCOMMANDS.put("run", RunCommand::new);
    SUBCOMMANDS.put("exec", ExecCommand::new);
    SUBCOMMANDS.put("shell", ShellCommand::new);
    SUBCOMMANDS.put("oci", OciCommand::new);
  }

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
    CommandLine cli = commandLine(args.length > 0 ? args[0] : null);
    cli.setOut(out);
    cli.setErr(err);
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

  /**
   * sifctl's command line: with only subcommand {@code first} when that names one, else with all
   * (for help, and for suggestions after a typo).
   */
  static CommandLine commandLine(String first) {
    CommandLine cli = new CommandLine(new Sifctl());
    boolean one = SUBCOMMANDS.containsKey(first);
    SUBCOMMANDS.forEach(
        (name, command) -> {
          if (!one || name.equals(first)) {
            cli.addSubcommand(name, command.get());
          }
        });
    // Options after IMAGE belong to the container's command: `sifctl exec img ls -l`.
    for (String name : List.of("run", "exec")) {
      if (cli.getSubcommands().containsKey(name)) {
        cli.getSubcommands().get(name).setStopAtPositional(true);
      }
    }
    return cli;
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
