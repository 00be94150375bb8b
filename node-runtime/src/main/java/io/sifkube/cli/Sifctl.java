package io.sifkube.cli;

import io.sifkube.runtime.Executables;
import io.sifkube.sif.SifException;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code sifctl}: Sifkube's command line for local use, without Kubernetes. This class only wires
 * the subcommands and turns failures into one error line and an exit status.
 */
@Command(
    name = "sifctl",
    mixinStandardHelpOptions = true,
    versionProvider = StandardHelp.Version.class,
    description = "Work with SIF and OCI-SIF container images.")
public final class Sifctl {

  /**
   * The subcommands, in the order help lists them; run, exec and shell are {@link RunCommand}s and
   * push, pull, sign and verify {@link TableCommand}s, which have their own parsers; the rest are
   * picocli's. They are added to the command line when it is built: picocli reads every option of
   * every command it holds by reflection before parsing, so a command line naming one subcommand
   * gets only that one.
   */
  private static final List<String> COMMANDS =
      List.of(
          "sif", "build", "pull", "push", "sign", "verify", "cache", "run", "exec", "shell", "oci",
          "cdi");

  private static Object command(String name) {
    return switch (name) {
      case "sif" -> new SifCommand();
      case "build" -> new BuildCommand();
      case "cache" -> new CacheCommand();
      case "oci" -> new OciCommand();
      case "cdi" -> new CdiCommand();
      default -> throw new IllegalArgumentException(name);
    };
  }

  /** Exit status for a failed operation (bad file, missing object, tool failure). */
  static final int EXIT_FAILURE = 1;

  /** Exit status for a command line picocli cannot parse. */
  static final int EXIT_USAGE = 2;

  public static void main(String[] args) {
    Executables.preferVfork();
    // The libraries that log (Jetty for docker-daemon:, the siflet client) speak only when
    // something is wrong: sifctl's own output is its messages.
    if (System.getProperty("org.slf4j.simpleLogger.defaultLogLevel") == null) {
      System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
    }
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
    if (args.length == 1 && (args[0].equals("--version") || args[0].equals("-V"))) {
      // Answered before picocli reads every command's options by reflection, which took 0.3 s of
      // the 0.55 s a version probe did (2026-12-07, this 2-core machine).
      out.println(version());
      out.flush();
      return 0;
    }
    RunCommand.Kind container = args.length > 0 ? RunCommand.Kind.of(args[0]) : null;
    if (container != null) {
      return RunCommand.main(container, Arrays.asList(args).subList(1, args.length), out, err);
    }
    TableCommand table = args.length > 0 ? TableCommand.of(args[0]) : null;
    if (table != null) {
      return table.main(Arrays.asList(args).subList(1, args.length), out, err);
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
    boolean one = COMMANDS.contains(first);
    for (String name : COMMANDS) {
      if (one && !name.equals(first)) {
        continue;
      }
      RunCommand.Kind container = RunCommand.Kind.of(name);
      TableCommand table = TableCommand.of(name);
      if (container == null && table == null) {
        cli.addSubcommand(name, command(name));
      } else {
        // Listed in help and known to typo suggestions; parsed by their own tables, never by
        // picocli.
        CommandSpec listed = CommandSpec.create().name(name);
        listed
            .usageMessage()
            .description(container != null ? container.description : table.description());
        cli.addSubcommand(name, new CommandLine(listed));
      }
    }
    CommandLine oci = cli.getSubcommands().get("oci");
    if (oci != null) {
      // the command's own options (sh -c …) are not sifctl's
      oci.getSubcommands().get("exec").setStopAtPositional(true);
    }
    return StandardHelp.withHelp(cli);
  }

  /** One line for a failed command: the message of bad input, the kind of anything else. */
  static String describe(Exception e) {
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

  /** {@code sifctl VERSION}, from what Maven wrote into the jar. */
  static String version() {
    Properties p = new Properties();
    try (InputStream in = Sifctl.class.getResourceAsStream("/io/sifkube/version.properties")) {
      if (in != null) {
        p.load(in);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return "sifctl " + p.getProperty("version", "unknown");
  }
}
