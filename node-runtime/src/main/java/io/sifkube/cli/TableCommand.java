package io.sifkube.cli;

import java.io.PrintWriter;
import java.util.List;

/**
 * A command whose options come from an {@link OptionTable} instead of picocli, like the container
 * commands: loading and linking picocli's model (classes a start-up archive cannot hold, see
 * OptionTable) took 0.12 s of the 0.31 s before a push did anything (2026-12-06, this 2-core
 * machine), a fifth of a whole push of a Debian image and most of a warm pull's overhead. Options
 * may come before, between or after the arguments, as picocli allowed; help, version and errors
 * read as the other commands'.
 */
abstract class TableCommand implements OptionTable.Target {

  /** The command called {@code name} when it is a table command, else null. */
  static TableCommand of(String name) {
    if (name == null) {
      return null;
    }
    return switch (name) {
      case "push" -> new PushCommand();
      case "pull" -> new PullCommand();
      case "sign" -> new SignCommand();
      case "verify" -> new VerifyCommand();
      default -> null;
    };
  }

  private final String name;
  private final String description;
  private final String synopsis;
  private final OptionTable table;
  private boolean help;
  private boolean version;
  private PrintWriter out;

  /**
   * @param description one sentence for help, also listed by {@code sifctl --help}
   * @param synopsis the arguments in the usage line, e.g. {@code IMAGE DEST}
   * @param table the options, {@link #standard} ones included
   */
  TableCommand(String name, String description, String synopsis, OptionTable table) {
    this.name = name;
    this.description = description;
    this.synopsis = synopsis;
    this.table = table;
  }

  final String description() {
    return description;
  }

  final OptionTable table() {
    return table;
  }

  /** Standard output, for a command that prints results there (messages go to standard error). */
  final PrintWriter out() {
    return out;
  }

  /** Each argument's name and what it is, for help. */
  abstract List<String[]> argumentHelp();

  /**
   * Takes the arguments other than options; a wrong number of them is a usage error ({@link
   * #expect} with {@code synopsis}).
   */
  abstract void arguments(List<String> args, String synopsis) throws OptionTable.UsageException;

  /** Sets one option of {@link #table()} other than help and version. */
  abstract void option(String option, String value) throws OptionTable.UsageException;

  /** Does the work; the exit status. */
  abstract int call() throws Exception;

  /** Adds {@code -h/--help} and {@code -V/--version}, which every command answers. */
  static OptionTable standard(OptionTable t) {
    return t.flag("-h,--help", "show this help message and exit")
        .flag("-V,--version", "print version information and exit");
  }

  @Override
  public final void set(String option, String value) throws OptionTable.UsageException {
    switch (option) {
      case "--help" -> help = true;
      case "--version" -> version = true;
      default -> option(option, value);
    }
  }

  /** Parses {@code args} and runs the command; returns the exit status. */
  final int main(List<String> args, PrintWriter out, PrintWriter err) {
    this.out = out;
    try {
      List<String> rest = table.parseAnywhere(this, args);
      if (help || version) {
        if (help) {
          usage(out);
        } else {
          out.println(Sifctl.version());
        }
        out.flush();
        return 0;
      }
      arguments(rest, synopsis);
    } catch (OptionTable.UsageException e) {
      return usageError(name, e, err);
    }
    return outcome(this::call, out, err);
  }

  /** What a command line that cannot be parsed gets: the problem, the hint, status 2. */
  static int usageError(String command, OptionTable.UsageException e, PrintWriter err) {
    err.println("sifctl " + command + ": " + e.getMessage());
    err.println("Run 'sifctl " + command + " --help' for usage.");
    err.flush();
    return Sifctl.EXIT_USAGE;
  }

  /** The work of a parsed command. */
  interface Work {
    int call() throws Exception;
  }

  /** Runs {@code work}: its status, or one error line and status 1 when it fails. */
  static int outcome(Work work, PrintWriter out, PrintWriter err) {
    try {
      return work.call();
    } catch (Exception e) {
      err.println("sifctl: error: " + Sifctl.describe(e));
      err.flush();
      return Sifctl.EXIT_FAILURE;
    } finally {
      out.flush();
    }
  }

  private void usage(PrintWriter out) {
    out.println("Usage: sifctl " + name + " [OPTIONS] " + synopsis);
    out.println(description);
    out.println("Arguments:");
    for (String[] a : argumentHelp()) {
      out.printf("  %-10s %s%n", a[0], a[1]);
    }
    out.println("Options:");
    table.describe(out);
  }

  /**
   * Refuses fewer than {@code min} or more than {@code max} arguments, naming what was expected.
   */
  static void expect(List<String> args, int min, int max, String synopsis)
      throws OptionTable.UsageException {
    if (args.size() < min) {
      throw new OptionTable.UsageException("missing arguments: expected " + synopsis);
    }
    if (args.size() > max) {
      throw new OptionTable.UsageException(
          "unexpected argument '" + args.get(max) + "': expected " + synopsis);
    }
  }
}
