package io.sifkube.cli;

import io.sifkube.spec.RunOptions;
import java.util.List;
import picocli.CommandLine.Command;

/** {@code sifctl shell IMAGE}: an interactive /bin/sh in a container, on the caller's terminal. */
@Command(
    name = "shell",
    mixinStandardHelpOptions = true,
    description = "Run an interactive shell (/bin/sh) in a container of the image.")
final class ShellCommand extends RunCommand {
  @Override
  boolean isExec() {
    return true;
  }

  @Override
  RunOptions adjust(RunOptions opts) {
    boolean tty = System.console() != null;
    return opts.withCommand(true, List.of("/bin/sh")).withExtras(opts.extras().withTerminal(tty));
  }
}
