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
    return new RunOptions(
            true,
            List.of("/bin/sh"),
            opts.env(),
            opts.cwd(),
            opts.user(),
            opts.hostname(),
            opts.binds(),
            opts.compat(),
            opts.home(),
            opts.hostCwd(),
            opts.noPrivs(),
            opts.addCaps(),
            opts.dropCaps(),
            opts.memoryBytes(),
            opts.cpus(),
            opts.pidsLimit(),
            opts.network(),
            opts.extras())
        .withExtras(opts.extras().withTerminal(tty));
  }
}
