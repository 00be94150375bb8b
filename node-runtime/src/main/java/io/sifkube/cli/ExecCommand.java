package io.sifkube.cli;

import picocli.CommandLine.Command;

/** {@code sifctl exec IMAGE CMD [ARGS]}: run CMD in a container of the image. */
@Command(
    name = "exec",
    mixinStandardHelpOptions = true,
    description = "Run a command in a container of the image.")
final class ExecCommand extends RunCommand {
  @Override
  boolean isExec() {
    return true;
  }
}
