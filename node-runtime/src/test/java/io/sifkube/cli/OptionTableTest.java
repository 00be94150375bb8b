package io.sifkube.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class OptionTableTest {

  /** Records what the parser hands over, as "--key=value". */
  private static final class Recorder implements OptionTable.Target {
    final List<String> seen = new ArrayList<>();

    @Override
    public void set(String option, String value) throws OptionTable.UsageException {
      if ("bad".equals(value)) {
        throw new OptionTable.UsageException("option " + option + ": bad value");
      }
      seen.add(option + "=" + value);
    }
  }

  private static final OptionTable TABLE =
      new OptionTable()
          .flag("-f,--fakeroot", "be root")
          .value("--cwd,--pwd", "DIR", "working directory")
          .list("-e,--env", "KEY=VALUE", "environment", false)
          .list("-B,--bind", "SPEC", "binds", true);

  private static List<String> parse(Recorder r, String... args) throws Exception {
    return TABLE.parse(r, List.of(args));
  }

  @Test
  void everySpellingPicocliTookReachesTheLongName() throws Exception {
    Recorder r = new Recorder();
    List<String> rest =
        parse(
            r,
            "-f",
            "--cwd",
            "/a",
            "--pwd=/b",
            "-e",
            "A=1",
            "-eB=2",
            "-e=C=3",
            "--env=D=4",
            "-B",
            "/x:/y,/z",
            "img",
            "--cwd",
            "arg");
    assertThat(r.seen)
        .containsExactly(
            "--fakeroot=null",
            "--pwd=/a",
            "--pwd=/b",
            "--env=A=1",
            "--env=B=2",
            "--env=C=3",
            "--env=D=4",
            "--bind=/x:/y",
            "--bind=/z");
    assertThat(rest).containsExactly("img", "--cwd", "arg");
  }

  @Test
  void shortFlagsMayBeClusteredAsPicocliAllowed() throws Exception {
    OptionTable t =
        new OptionTable()
            .flag("-a,--all", "all")
            .flag("-j,--json", "json")
            .list("-g,--group-id", "N", "group", false);
    Recorder r = new Recorder();
    assertThat(t.parseAnywhere(r, List.of("-aj", "img", "-jg1", "-ag", "2")))
        .containsExactly("img");
    assertThat(r.seen)
        .containsExactly(
            "--all=null",
            "--json=null",
            "--json=null",
            "--group-id=1",
            "--all=null",
            "--group-id=2");
    assertThatThrownBy(() -> t.parse(new Recorder(), List.of("-ax")))
        .hasMessage("unknown option '-x'");
    assertThatThrownBy(() -> t.parse(new Recorder(), List.of("-a=1")))
        .hasMessage("option -a takes no value: '-a=1'");
  }

  @Test
  void doubleDashEndsTheOptionsAndALoneDashIsAnArgument() throws Exception {
    Recorder r = new Recorder();
    assertThat(parse(r, "--", "-f", "x")).containsExactly("-f", "x");
    assertThat(r.seen).isEmpty();
    assertThat(parse(new Recorder(), "-", "x")).containsExactly("-", "x");
    assertThat(parse(new Recorder())).isEmpty();
  }

  @Test
  void mistakesNameTheOptionAndWhatIsWrong() {
    assertThatThrownBy(() -> parse(new Recorder(), "--frob", "img"))
        .isInstanceOf(OptionTable.UsageException.class)
        .hasMessage("unknown option '--frob'");
    assertThatThrownBy(() -> parse(new Recorder(), "-q")).hasMessage("unknown option '-q'");
    assertThatThrownBy(() -> parse(new Recorder(), "--cwd"))
        .hasMessage("option --cwd needs a value (DIR)");
    assertThatThrownBy(() -> parse(new Recorder(), "--fakeroot=yes"))
        .hasMessage("option --fakeroot takes no value: '--fakeroot=yes'");
    assertThatThrownBy(() -> parse(new Recorder(), "--env", "bad"))
        .hasMessage("option --env: bad value");
  }

  @Test
  void anOptionNameMayBeDeclaredOnce() {
    assertThatThrownBy(() -> new OptionTable().flag("--a", "x").value("-b,--a", "V", "y"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("--a");
  }

  @Test
  void valuesAreCheckedByType() throws Exception {
    assertThat(OptionTable.parseLong("--n", " 42")).isEqualTo(42);
    assertThat(OptionTable.parseDouble("--cpus", "1.5")).isEqualTo(1.5);
    assertThatThrownBy(() -> OptionTable.parseLong("--n", "4x"))
        .hasMessage("option --n: '4x' is not a whole number");
    assertThatThrownBy(() -> OptionTable.parseDouble("--cpus", "NaN"))
        .hasMessage("option --cpus: 'NaN' is not a number");
    assertThatThrownBy(() -> OptionTable.parsePath("--env-file", ""))
        .hasMessage("option --env-file: '' is not a path");
  }

  @Test
  void helpListsEveryOptionWithItsNamesAndValue() {
    StringWriter w = new StringWriter();
    TABLE.describe(new PrintWriter(w, true));
    assertThat(w.toString().lines())
        .hasSize(4)
        .anySatisfy(l -> assertThat(l).startsWith("  -f, --fakeroot").endsWith("be root"))
        .anySatisfy(l -> assertThat(l).startsWith("      --cwd, --pwd=DIR").endsWith("directory"))
        .anySatisfy(l -> assertThat(l).startsWith("  -B, --bind=SPEC[,...]").endsWith("binds"));
  }

  @Test
  void runFlagsTakesEveryOptionOfItsTable() throws Exception {
    // The table and the switch in RunFlags.set are two lists; this keeps them one.
    for (String key : RunFlags.TABLE.keys()) {
      RunFlags flags = new RunFlags();
      String value = RunFlags.TABLE.isFlag(key) ? null : "1";
      try {
        flags.set(key, value); // an option missing from the switch throws IllegalStateException
      } catch (OptionTable.UsageException refused) {
        // "1" is not among this option's words (--mpi): it is in the switch, which checked it
        assertThat(refused.getMessage()).startsWith(key);
      }
    }
    assertThatThrownBy(() -> new RunFlags().set("--cpus", "many"))
        .hasMessage("option --cpus: 'many' is not a number");
  }

  @Test
  void parseAnywhereTakesOptionsBetweenAndAfterTheArguments() throws Exception {
    Recorder r = new Recorder();
    List<String> args =
        TABLE.parseAnywhere(
            r, List.of("img", "-f", "dest", "--cwd=/a", "--", "--env", "-f", "last"));
    assertThat(args).containsExactly("img", "dest", "--env", "-f", "last");
    assertThat(r.seen).containsExactly("--fakeroot=null", "--pwd=/a");
    assertThatThrownBy(() -> TABLE.parseAnywhere(new Recorder(), List.of("img", "--frob")))
        .hasMessage("unknown option '--frob'");
    assertThat(TABLE.parseAnywhere(new Recorder(), List.of("-", "x"))).containsExactly("-", "x");
  }

  @Test
  void pushAndPullTakeEveryOptionOfTheirTables() throws Exception {
    // As for RunFlags: each table and its command's switch are two lists, kept one here.
    for (TableCommand cmd : List.of(new PushCommand(), new PullCommand())) {
      for (String key : cmd.table().keys()) {
        String value = cmd.table().isFlag(key) ? null : "1";
        try {
          cmd.set(key, value);
        } catch (OptionTable.UsageException refused) {
          assertThat(refused.getMessage()).startsWith(key); // "1" is no compressor: checked
        }
      }
    }
  }
}
