package io.sifkube.cli;

import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code -h/--help} and {@code -V/--version} for sifctl's picocli commands. Kept out of {@link
 * Sifctl}: the JDK 25 AOT cache links {@code Sifctl} when the JVM starts, and handing a {@link
 * Version} to picocli there made the verifier load picocli's interface from its jar at every start,
 * run and exec included, which never use picocli.
 */
final class StandardHelp {

  private StandardHelp() {}

  /**
   * Gives every command at every level sifctl's version for {@code -V/--version}; their
   * {@code @Command}s mix in the standard help options, so that help never fails for want of the
   * parameters a command needs (picocli answers help before it checks them; HelpWalkTest). Options
   * cannot be added here: picocli would pass them to the methods that are commands. Returns {@code
   * cli}.
   */
  static CommandLine withHelp(CommandLine cli) {
    CommandSpec spec = cli.getCommandSpec();
    if (spec.versionProvider() == null && spec.version().length == 0) {
      spec.versionProvider(new Version());
    }
    for (CommandLine sub : cli.getSubcommands().values()) {
      withHelp(sub);
    }
    return cli;
  }

  /** picocli's way to {@link Sifctl#version()}. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {Sifctl.version()};
    }
  }
}
