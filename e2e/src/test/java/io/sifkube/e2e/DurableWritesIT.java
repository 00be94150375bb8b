package io.sifkube.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.sifkube.node.v1.ContainerConfig;
import io.sifkube.node.v1.CreateContainerRequest;
import io.sifkube.node.v1.RemoveContainerRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A file Sifkube reports written survives a power loss: the system calls, seen by strace, show each
 * final file renamed into place and then its directory synced (fsync of a descriptor opened on the
 * directory) — for the SIF and the cache entries of {@code sifctl pull}, and for siflet's container
 * records.
 */
class DurableWritesIT {

  @TempDir Path tmp;

  /** The system calls of one strace output, by process, in order. */
  record Call(String name, String args, String result) {}

  static List<Call> calls(Path straceOut) throws Exception {
    Pattern line =
        Pattern.compile("^(?:\\[pid\\s+\\d+\\] |\\d+\\s+)?(\\w+)\\((.*)\\)\\s+=\\s+(-?\\d+).*$");
    List<Call> out = new ArrayList<>();
    for (String l : Files.readAllLines(straceOut)) {
      Matcher m = line.matcher(l);
      if (m.matches()) {
        out.add(new Call(m.group(1), m.group(2), m.group(3)));
      }
    }
    return out;
  }

  /**
   * Whether {@code file} was renamed into place and its directory synced after that: an {@code
   * openat} of the directory whose descriptor then got an {@code fsync}.
   */
  static boolean renamedThenDirectorySynced(List<Call> calls, Path file) {
    String dest = "\"" + file + "\"";
    String dir = "\"" + file.getParent() + "\"";
    boolean renamed = false;
    Map<String, Boolean> dirFds = new HashMap<>();
    for (Call c : calls) {
      if (c.name().startsWith("rename") && c.args().contains(dest) && c.result().equals("0")) {
        renamed = true;
        dirFds.clear();
      } else if (renamed && c.name().equals("openat") && c.args().contains(dir + ",")) {
        dirFds.put(c.result(), true);
      } else if (renamed
          && (c.name().equals("fsync") || c.name().equals("fdatasync"))
          && dirFds.containsKey(c.args().strip())) {
        return true;
      }
    }
    return false;
  }

  @Test
  void sifctlPullSyncsTheDirectoriesOfWhatItRenamesIntoPlace() throws Exception {
    Path layout = RunIT.busyboxLayout(tmp);
    Path cache = tmp.resolve("cache");
    Path dest = tmp.resolve("out").resolve("app.oci.sif");
    Files.createDirectories(dest.getParent());
    Path trace = tmp.resolve("pull.strace");
    Launcher.exec(
            List.of(
                "strace",
                "-f",
                "-qq",
                "-e",
                "trace=openat,rename,renameat,renameat2,fsync,fdatasync",
                "-o",
                trace.toString(),
                Launcher.repoRoot().resolve("bin/sifctl").toString(),
                "pull",
                "--cache-dir",
                cache.toString(),
                "oci:" + layout + ":v1",
                dest.toString()))
        .ok();
    List<Call> calls = calls(trace);
    assertThat(renamedThenDirectorySynced(calls, dest)).as("the pulled SIF").isTrue();
    List<Path> cached;
    try (var s = Files.walk(cache)) {
      cached = s.filter(Files::isRegularFile).filter(p -> p.toString().endsWith(".sif")).toList();
    }
    assertThat(cached).isNotEmpty();
    for (Path c : cached) {
      assertThat(renamedThenDirectorySynced(calls, c)).as("cache entry %s", c).isTrue();
    }
  }

  @Test
  void sifletSyncsTheDirectoryOfEachRecordItWrites() throws Exception {
    Path image = RunIT.busyboxImage(tmp);
    try (SifletDaemon d =
        new SifletDaemon(Files.createDirectories(tmp.resolve("siflet"))).start()) {
      Path trace = tmp.resolve("siflet.strace");
      Process strace =
          new ProcessBuilder(
                  "strace",
                  "-f",
                  "-qq",
                  "-e",
                  "trace=openat,rename,renameat,renameat2,fsync,fdatasync",
                  "-o",
                  trace.toString(),
                  "-p",
                  Long.toString(d.pid()))
              .redirectErrorStream(true)
              .redirectOutput(tmp.resolve("strace.log").toFile())
              .start();
      Thread.sleep(1000); // attached to every thread
      d.runtime()
          .createContainer(
              CreateContainerRequest.newBuilder()
                  .setId("durable")
                  .setConfig(
                      ContainerConfig.newBuilder().setImage(image.toString()).addArgs("true"))
                  .build());
      d.runtime().removeContainer(RemoveContainerRequest.newBuilder().setId("durable").build());
      strace.destroy();
      assertThat(strace.waitFor(10, TimeUnit.SECONDS)).isTrue();
      Path record = d.stateDir.resolve("records").resolve("durable.json");
      assertThat(renamedThenDirectorySynced(calls(trace), record)).as("the record").isTrue();
    }
  }
}
