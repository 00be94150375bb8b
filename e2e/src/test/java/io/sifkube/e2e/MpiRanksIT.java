package io.sifkube.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code sifctl run|exec --ranks N} with Debian's real MPICH 4.0.2 (ch4:ucx, simple PMI-1 client):
 * the image hack/mpi-image.sh builds (debootstrap + mpich, e2e/src/test/c/mpi-hello.c compiled with
 * mpicc.mpich) runs as N containers through crun, wired up by sifctl's PMI server, with no mpiexec
 * and no ssh. The ranks must find each other, reduce correctly, use shared memory between them, and
 * live and die together.
 */
class MpiRanksIT {

  private static final Pattern HELLO =
      Pattern.compile("rank (\\d+) of (\\d+) on (\\S+) pid (\\d+)");
  private static Path image;

  @BeforeAll
  static void buildImage() throws Exception {
    assertThat(Launcher.isRoot()).as("ranks share namespaces: root").isTrue();
    Launcher.letCrunRun();
    Path root = Launcher.repoRoot();
    Launcher.exec(List.of("bash", root.resolve("hack/mpi-image.sh").toString(), "build")).ok();
    Path dir =
        Path.of(
            Launcher.exec(List.of("bash", root.resolve("hack/mpi-image.sh").toString(), "path"))
                .ok()
                .out()
                .trim());
    image = dir.resolve("mpi.oci.sif");
    assertThat(image).isRegularFile();
    String script = root.resolve("hack/mpi-image.sh").toString();
    Launcher.exec(List.of("bash", script, "build", "trixie")).ok();
    trixie =
        Path.of(Launcher.exec(List.of("bash", script, "path", "trixie")).ok().out().trim())
            .resolve("mpi.oci.sif");
  }

  /** The same program on trixie's MPICH 4.2.1, which can speak PMI-2. */
  private static Path trixie;

  @Test
  void mpich42SpeaksPmi2ToTheSameServer() throws Exception {
    Launcher.Result r =
        ranks(
                Map.of(),
                "exec",
                "--env",
                "MPIR_CVAR_PMI_VERSION=2",
                "--ranks",
                "4",
                trixie.toString(),
                "mpi-hello",
                "20")
            .ok();
    assertThat(ranksSeen(r.out(), 4)).containsExactly(0, 1, 2, 3);
    for (int i = 0; i < 4; i++) {
      assertThat(r.out()).contains("allreduce rank " + i + " sum 10 ok");
      assertThat(r.out()).contains("rank " + i + " finalized");
    }
  }

  @Test
  void aPmi2AbortStopsTheOthers() throws Exception {
    Launcher.Result r =
        ranks(
            Map.of(),
            "exec",
            "--env",
            "MPIR_CVAR_PMI_VERSION=2",
            "--ranks",
            "3",
            trixie.toString(),
            "mpi-hello",
            "abort",
            "1",
            "5");
    assertThat(r.status()).isEqualTo(1);
    assertThat(r.err()).contains("rank 1 aborted the job (MPI_Abort");
  }

  @AfterEach
  void nothingLeft() throws Exception {
    assertThat(Files.readString(Path.of("/proc/self/mountinfo")))
        .as("no rank's /dev/shm or bundle left mounted")
        .doesNotContain("/ranks-");
    assertThat(Launcher.exec(List.of("pgrep", "-f", "^unshare --pid --ipc --fork")).status())
        .as("no namespace holder left")
        .isEqualTo(1);
  }

  private static Launcher.Result ranks(Map<String, String> env, String... args) throws Exception {
    return Launcher.sifctlWithEnv(env, args);
  }

  @Test
  void twoRanksFindEachOtherAndTalkThroughSharedMemory() throws Exception {
    Launcher.Result r =
        ranks(
                Map.of(),
                "exec",
                "--env",
                "UCX_LOG_LEVEL=info",
                "--ranks",
                "2",
                image.toString(),
                "/usr/local/bin/mpi-hello",
                "200")
            .ok();
    assertThat(ranksSeen(r.out(), 2)).containsExactly(0, 1);
    assertThat(r.out()).contains("allreduce rank 0 sum 3 ok", "allreduce rank 1 sum 3 ok");
    assertThat(r.out()).contains("pingpong 8 B", "pingpong 4194304 B");
    assertThat(r.out()).contains("rank 0 finalized", "rank 1 finalized");
    // UCX's choice between the two ranks: shared memory (sysv/posix/cma), no TCP lane, which it
    // takes only when the ranks share IPC and PID namespaces (mpi-pmi.md §4.3)
    // (UCX logs to standard output)
    String lanes =
        String.join("\n", (r.out() + r.err()).lines().filter(l -> l.contains("ep_cfg")).toList());
    assertThat(lanes).contains("sysv/memory").doesNotContain("tcp/");
  }

  @Test
  void fourRanksReduceRight() throws Exception {
    Launcher.Result r =
        ranks(Map.of(), "run", "--ranks", "4", image.toString()).ok(); // the image's CMD
    assertThat(ranksSeen(r.out(), 4)).containsExactly(0, 1, 2, 3);
    for (int i = 0; i < 4; i++) {
      assertThat(r.out()).contains("allreduce rank " + i + " sum 10 ok");
      assertThat(r.out()).contains("rank " + i + " finalized");
    }
  }

  @Test
  void aRankThatLostItsPmiEnvironmentIsCaughtNotRunAlone() throws Exception {
    Launcher.Result r =
        ranks(
            Map.of(),
            "exec",
            "--ranks",
            "2",
            image.toString(),
            "sh",
            "-c",
            "if [ $SIFKUBE_RANK = 1 ]; then unset PMI_PORT PMI_ID; fi; exec mpi-hello");
    assertThat(r.status()).isEqualTo(1);
    assertThat(r.out()).contains("rank 0 of 1"); // the singleton, as MPICH starts it
    assertThat(r.err()).contains("rank 1 ended without contacting the PMI server");
  }

  @Test
  void anAbortingRankStopsTheOthers() throws Exception {
    long start = System.nanoTime();
    Launcher.Result r =
        ranks(Map.of(), "exec", "--ranks", "3", image.toString(), "mpi-hello", "abort", "1", "5");
    assertThat(r.status()).isEqualTo(1);
    assertThat(r.err()).contains("rank 1 aborted the job (MPI_Abort, exit code 5)");
    assertThat(TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start)).isLessThan(60);
  }

  @Test
  void aFailingRankStopsTheOthersAndGivesItsStatus() throws Exception {
    long start = System.nanoTime();
    Launcher.Result r =
        ranks(
            Map.of(),
            "exec",
            "--mpi",
            "none",
            "--ranks",
            "3",
            image.toString(),
            "sh",
            "-c",
            "if [ $SIFKUBE_RANK = 2 ]; then exit 7; fi; exec sleep 300");
    assertThat(r.status()).isEqualTo(7);
    assertThat(r.err()).contains("rank 2 exited with status 7");
    assertThat(TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start)).isLessThan(60);
  }

  @Test
  void aRankThatNeverArrivesFailsTheBarrierAfterTheTimeout() throws Exception {
    Launcher.Result r =
        ranks(
            Map.of(),
            "exec",
            "--ranks",
            "2",
            "--pmi-timeout",
            "2",
            image.toString(),
            "sh",
            "-c",
            "if [ $SIFKUBE_RANK = 1 ]; then sleep 300; fi; exec mpi-hello");
    assertThat(r.status()).isEqualTo(1);
    assertThat(r.err()).contains("PMI barrier: rank(s) [1] did not arrive within 2 s");
  }

  @Test
  void plainRanksKnowTheirIndexAndPeers() throws Exception {
    Launcher.Result r =
        ranks(
                Map.of(),
                "exec",
                "--mpi",
                "none",
                "--ranks",
                "3",
                image.toString(),
                "sh",
                "-c",
                "echo rank=$SIFKUBE_RANK size=$SIFKUBE_SIZE hosts=$(wc -l < $SIFKUBE_HOSTFILE)"
                    + " pmi=${PMI_PORT:-none}")
            .ok();
    assertThat(r.out().lines().sorted().toList())
        .containsExactly(
            "rank=0 size=3 hosts=3 pmi=none",
            "rank=1 size=3 hosts=3 pmi=none",
            "rank=2 size=3 hosts=3 pmi=none");
  }

  @Test
  void aSignalToSifctlStopsEveryRank() throws Exception {
    List<String> cmd = new ArrayList<>();
    cmd.add(Launcher.repoRoot().resolve("bin/sifctl").toString());
    cmd.addAll(
        List.of(
            "exec",
            "--mpi",
            "none",
            "--ranks",
            "2",
            image.toString(),
            "sh",
            "-c",
            "echo up; exec sleep 300"));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    BufferedReader out =
        new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
    assertThat(out.readLine()).isEqualTo("up");
    assertThat(out.readLine()).isEqualTo("up");
    // SIGTERM, as a batch system's or a user's kill (Process.destroy would close our end of the
    // output before we read it)
    Launcher.exec(List.of("kill", "-TERM", Long.toString(p.pid()))).ok();
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).as("sifctl ends").isTrue();
    assertThat(p.exitValue()).isEqualTo(143);
    assertThat(String.join("\n", out.lines().toList()))
        .contains("sifctl got SIGTERM: stopping every rank");
  }

  @Test
  void badRankOptionsAreRefusedNamingThem() throws Exception {
    Launcher.Result r = ranks(Map.of(), "exec", "--ranks", "0", image.toString(), "true");
    assertThat(r.status()).isEqualTo(2);
    assertThat(r.err()).contains("--ranks 0: a number of ranks from 1 to 1024");
    r = ranks(Map.of(), "exec", "--mpi", "pmix", "--ranks", "2", image.toString(), "true");
    assertThat(r.err()).contains("--mpi pmix: pmi (a PMI-1 server, as MPICH reads it) or none");
    r = ranks(Map.of(), "exec", "--net", "--ranks", "2", image.toString(), "true");
    assertThat(r.status()).isEqualTo(1);
    assertThat(r.err()).contains("--ranks with --net");
  }

  /** The ranks that said hello, each once, all of one size. */
  private static List<Integer> ranksSeen(String out, int size) {
    List<Integer> seen = new ArrayList<>();
    Matcher m = HELLO.matcher(out);
    while (m.find()) {
      assertThat(Integer.parseInt(m.group(2)))
          .as("size seen by rank %s", m.group(1))
          .isEqualTo(size);
      seen.add(Integer.parseInt(m.group(1)));
    }
    return seen.stream().sorted().toList();
  }
}
