package io.sifkube.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.spi.ToolProvider;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * bin/sifctl starts the local commands with only the jars in target/sifctl.classpath (the build
 * writes it). jdeps finds every jar the code outside the daemon and the siflet client needs, with
 * what those jars need in turn; all of them must be on that list, or a command would fail with
 * NoClassDefFoundError on the first path that reaches a missing one.
 */
class SifctlClasspathIT {

  private static final Path TARGET = Path.of("target");

  @TempDir Path tmp;

  @Test
  void theLocalCommandsClassPathHoldsEveryJarTheirCodeNeeds() throws Exception {
    Set<String> listed = listed(TARGET.resolve("sifctl.classpath"));
    assertThat(listed)
        .contains("picocli-4.7.7.jar")
        .noneMatch(j -> j.matches("(grpc|netty|kube).*"));

    Path classes = tmp.resolve("local");
    copyLocalClasses(TARGET.resolve("classes"), classes);
    Set<String> needed = jarsNeeded(classes);
    assertThat(needed).contains("jna-5.18.1.jar", "jackson-databind-2.20.1.jar");
    assertThat(listed).containsAll(needed);
  }

  /**
   * bin/sifctl starts run, exec and shell of an image file with target/sifctl-run.classpath only (a
   * command line naming a pull source gets every local jar). jdeps lists each class's dependencies;
   * from {@link RunCommand}, every class it can reach, and every jar those need in turn, must be on
   * that list. Three classes are not followed: {@link RunPull} runs only for a pull source; {@link
   * Sifctl} and {@link TableCommand} are dispatchers, whose other branches start other commands
   * (the build's start-up training loads and links both on the short path).
   */
  @Test
  void aRunOfAnImageFileReachesNoJarOutsideTheRunClassPath() throws Exception {
    Set<String> run = listed(TARGET.resolve("sifctl-run.classpath"));
    assertThat(listed(TARGET.resolve("sifctl.classpath"))).containsAll(run);
    assertThat(run)
        .as("the libraries a run of a file never needs stay off its class path")
        .noneMatch(j -> j.matches("(bc|jetty|commons-compress|aircompressor|picocli).*"));

    String jdeps =
        jdeps(
            "--multi-release",
            "17",
            "-verbose:class",
            "-filter:none",
            "-cp",
            allJars(TARGET.resolve("lib")),
            TARGET.resolve("classes").toString());
    Map<String, Set<String[]>> deps = new HashMap<>();
    for (String line : jdeps.split("\n")) {
      String[] f = line.strip().split("\\s+");
      if (f.length == 4 && f[1].equals("->")) {
        deps.computeIfAbsent(f[0], k -> new HashSet<>()).add(new String[] {f[2], f[3]});
      }
    }
    Set<String> skip =
        Set.of(RunPull.class.getName(), Sifctl.class.getName(), TableCommand.class.getName());
    Set<String> seen = new HashSet<>();
    Deque<String> todo = new ArrayDeque<>(List.of(RunCommand.class.getName()));
    Set<String> jars = new TreeSet<>();
    while (!todo.isEmpty()) {
      String c = todo.pop();
      if (!seen.add(c)) {
        continue;
      }
      for (String[] d : deps.getOrDefault(c, Set.of())) {
        if (d[1].equals("classes") && !skip.contains(d[0])) {
          todo.push(d[0]);
        } else if (d[1].endsWith(".jar")) {
          jars.add(Path.of(d[1]).getFileName().toString());
        }
      }
    }
    assertThat(seen)
        .as("the walk reached the runtime")
        .contains("io.sifkube.runtime.ContainerLauncher");
    assertThat(jars)
        .anyMatch(j -> j.startsWith("jna-"))
        .anyMatch(j -> j.startsWith("jackson-databind-"));
    // Those classes alone through jdeps again, following the jars they need into what those need.
    Path reached = tmp.resolve("run");
    for (String c : seen) {
      Path f = TARGET.resolve("classes").resolve(c.replace('.', '/') + ".class");
      Path dst = reached.resolve(TARGET.resolve("classes").relativize(f));
      Files.createDirectories(dst.getParent());
      Files.copy(f, dst);
    }
    jars.addAll(jarsNeeded(reached));
    assertThat(run).containsAll(jars);
  }

  /**
   * The run class path without any archive (another SIFKUBE_JAVA, a stale archive, a JDK without
   * one): the JVM then loads and verifies sifctl's classes as they are used, and nothing on a run's
   * way may need a jar that list lacks, as a verifier check against picocli's interface once did.
   */
  @Test
  void runsStartOnTheRunClassPathWithoutAnArchive() throws Exception {
    StringBuilder cp = new StringBuilder(TARGET.resolve("sifkube-node-runtime.jar").toString());
    for (String jar : listed(TARGET.resolve("sifctl-run.classpath"))) {
      cp.append(':').append(TARGET.resolve("lib").resolve(jar));
    }
    String missing = tmp.resolve("missing.sif").toString();
    Path cdi = Files.createDirectories(tmp.resolve("cdi"));
    for (List<String> args :
        List.of(
            List.of("exec", "--help"),
            List.of("shell", "--help"),
            List.of("exec", missing, "/bin/true"),
            List.of("exec", "unknown:v1.sif", "/bin/true"),
            List.of("run", "--cdi-dirs", cdi.toString(), "--device", "a.example/b=c", missing))) {
      List<String> cmd =
          new ArrayList<>(
              List.of(
                  ProcessHandle.current().info().command().orElse("java"),
                  "-Xshare:off",
                  "-cp",
                  cp.toString(),
                  "io.sifkube.cli.Sifctl"));
      cmd.addAll(args);
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes());
      int status = p.waitFor();
      assertThat(out).as("sifctl %s", args).doesNotContain("NoClassDefFoundError", "\tat ");
      assertThat(status).as("sifctl %s: %s", args, out).isEqualTo(args.contains("--help") ? 0 : 1);
    }
  }

  /** The jars the classes under {@code classes} need, and what those jars need in turn. */
  private static Set<String> jarsNeeded(Path classes) throws IOException {
    String summary =
        jdeps(
            "--multi-release",
            "17",
            "-summary",
            "-R",
            "-cp",
            allJars(TARGET.resolve("lib")),
            classes.toString());
    Set<String> needed = new TreeSet<>();
    for (String line : summary.split("\n")) {
      String[] arrow = line.split(" -> ");
      if (arrow.length == 2 && arrow[1].strip().endsWith(".jar")) {
        needed.add(Path.of(arrow[1].strip()).getFileName().toString());
      }
    }
    return needed;
  }

  private static Set<String> listed(Path classpathFile) throws IOException {
    Set<String> out = new TreeSet<>();
    for (String entry : Files.readString(classpathFile).strip().split(":")) {
      out.add(Path.of(entry).getFileName().toString());
    }
    return out;
  }

  private static String jdeps(String... args) {
    StringWriter out = new StringWriter();
    int rc =
        ToolProvider.findFirst("jdeps")
            .orElseThrow()
            .run(new PrintWriter(out), new PrintWriter(out), args);
    assertThat(rc).as(out.toString()).isZero();
    return out.toString();
  }

  /** Every jar of the build, as a class path (jdeps run in process expands no wildcards). */
  private static String allJars(Path lib) throws IOException {
    try (Stream<Path> jars = Files.list(lib)) {
      return String.join(":", jars.map(Path::toString).sorted().toList());
    }
  }

  /** The classes of every package but the daemon's, and without the siflet client. */
  private static void copyLocalClasses(Path from, Path to) throws IOException {
    List<String> daemon = Arrays.asList("io/sifkube/siflet/", "io/sifkube/cli/SifletClient");
    try (Stream<Path> files = Files.walk(from)) {
      for (Path f : (Iterable<Path>) files::iterator) {
        String rel = from.relativize(f).toString();
        if (!Files.isRegularFile(f) || daemon.stream().anyMatch(rel::startsWith)) {
          continue;
        }
        Path dst = to.resolve(rel);
        Files.createDirectories(dst.getParent());
        Files.copy(f, dst);
      }
    }
  }
}
