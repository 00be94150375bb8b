package io.sifkube.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * Every command at every level, sifctl's own and the siflet client's, answers {@code -h}, {@code
 * --help} and {@code --version} with exit 0 and no error, whatever parameters it otherwise needs.
 */
class HelpWalkTest {

  private static void collect(CommandLine cli, List<String> prefix, List<List<String>> out) {
    for (var e : cli.getSubcommands().entrySet()) {
      List<String> path = new ArrayList<>(prefix);
      path.add(e.getKey());
      out.add(path);
      collect(e.getValue(), path, out);
    }
  }

  private record Run(int status, String out, String err) {}

  private static Run run(List<String> args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int status =
        Sifctl.run(args.toArray(String[]::new), new PrintWriter(out), new PrintWriter(err));
    return new Run(status, out.toString(), err.toString());
  }

  @Test
  void everyCommandAnswersHelpAndVersion() {
    List<List<String>> paths = new ArrayList<>();
    paths.add(List.of());
    collect(Sifctl.commandLine(""), List.of(), paths);
    List<List<String>> siflet = new ArrayList<>();
    collect(new CommandLine(new SifletClient(Path.of("/nonexistent.sock"))), List.of(), siflet);
    for (List<String> p : siflet) {
      List<String> full = new ArrayList<>(List.of("--siflet", "/nonexistent.sock"));
      full.addAll(p);
      paths.add(full);
    }
    assertThat(paths.size()).as("commands walked").isGreaterThan(40);
    for (List<String> path : paths) {
      for (String flag : List.of("-h", "--help")) {
        List<String> args = new ArrayList<>(path);
        args.add(flag);
        Run r = run(args);
        assertThat(r.status()).as("%s: %s", args, r.err()).isZero();
        assertThat(r.out()).as("%s", args).startsWith("Usage: ");
        assertThat(r.err()).as("%s", args).isEmpty();
      }
      List<String> args = new ArrayList<>(path);
      args.add("--version");
      Run r = run(args);
      assertThat(r.status()).as("%s: %s", args, r.err()).isZero();
      assertThat(r.out()).as("%s", args).startsWith("sifctl ");
    }
  }
}
