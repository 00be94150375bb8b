package io.sifkube.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The built {@code bin/sifctl} against real tools: it reads the reference files, and an OCI-SIF it
 * builds from a directory holds a squashfs layer that squashfs-tools and the kernel read in place,
 * at the offset the image records.
 */
class SifctlLauncherIT {

  @TempDir Path tmp;
  private Path rootfs;

  @BeforeEach
  void makeRootfs() throws Exception {
    rootfs = tmp.resolve("rootfs");
    Files.createDirectories(rootfs.resolve("bin"));
    Files.createDirectories(rootfs.resolve("etc"));
    Path hello = rootfs.resolve("bin/hello");
    Files.writeString(hello, "#!/bin/sh\necho hello from sifkube\n");
    // java.nio cannot set the setuid bit; the squashfs must keep it.
    Launcher.exec(List.of("chmod", "4755", hello.toString())).ok();
    Files.writeString(rootfs.resolve("etc/motd"), "sifkube quickstart\n");
    Files.createSymbolicLink(rootfs.resolve("etc/issue"), Path.of("motd"));
    Files.createLink(rootfs.resolve("etc/motd.hard"), rootfs.resolve("etc/motd"));
  }

  @Test
  void versionHelpAndReferenceViews() throws Exception {
    assertThat(Launcher.sifctl("--version").ok().out()).startsWith("sifctl 0.");
    assertThat(Launcher.sifctl("--help").ok().out()).contains("Usage: sifctl");
    Path sif = Launcher.sifReference().resolve("one-group-signed-legacy-all.sif");
    String expected =
        Files.readString(Launcher.sifReference().resolve("one-group-signed-legacy-all.list.txt"));
    assertThat(Launcher.sifctl("sif", "list", sif.toString()).ok().out()).isEqualTo(expected);
  }

  @Test
  void theBuildsStartUpArchiveFitsTheLaunchersJvmAndClassPath() throws Exception {
    Path target = Launcher.repoRoot().resolve("node-runtime/target");
    Path record = target.resolve("sifctl.jvm");
    assertThat(record).as("mvn package trains it (CdsTraining)").isRegularFile();
    String java = null;
    // Each archive with the class path list bin/sifctl starts it with: run, exec and shell of an
    // image file have a shorter one.
    Map<Path, String> archives = new java.util.LinkedHashMap<>();
    for (String line : Files.readAllLines(record)) {
      if (line.startsWith("java=")) {
        java = line.substring("java=".length());
      } else if (line.startsWith("archive=")) {
        archives.put(Path.of(line.substring("archive=".length())), "sifctl.classpath");
      } else if (line.startsWith("run_archive=")) {
        archives.put(Path.of(line.substring("run_archive=".length())), "sifctl-run.classpath");
      }
    }
    assertThat(java).isNotNull();
    assertThat(archives).as("every command's archive and run's").hasSize(2);
    // Training wrote only under target/: an early probe for the AOT cache once had JDK 25 replace
    // /dev/null with a file (-XX:AOTCacheOutput=/dev/null).
    int mode = (Integer) Files.getAttribute(Path.of("/dev/null"), "unix:mode");
    assertThat(mode & 0170000).as("/dev/null is still a character device").isEqualTo(0020000);
    for (Map.Entry<Path, String> e : archives.entrySet()) {
      Path archive = e.getKey();
      assertThat(archive).isRegularFile();
      // The class path bin/sifctl builds for the commands that map this archive.
      StringBuilder cp = new StringBuilder(target.resolve("sifkube-node-runtime.jar").toString());
      for (String jar : Files.readString(target.resolve(e.getValue())).strip().split(":")) {
        cp.append(':').append(target.resolve(jar));
      }
      // Strict modes fail instead of falling back: the archive must match the JVM, the options
      // that must agree with the training run, and the class path bin/sifctl uses.
      List<String> strict =
          archive.toString().endsWith(".aot")
              ? List.of("-XX:AOTMode=on", "-XX:AOTCache=" + archive)
              : List.of("-Xshare:on", "-XX:SharedArchiveFile=" + archive);
      List<String> cmd = new java.util.ArrayList<>(List.of(java, "-XX:+UseSerialGC"));
      cmd.add("--enable-native-access=ALL-UNNAMED");
      cmd.addAll(strict);
      cmd.addAll(
          List.of(
              "-Xlog:class+load=info", "-cp", cp.toString(), "io.sifkube.cli.Sifctl", "--version"));
      Launcher.Result r = Launcher.exec(cmd);
      assertThat(r.status()).as(archive + ": " + r.out() + r.err()).isZero();
      // (picocli's classes are built for Java 5, older than class-data sharing takes)
      assertSifctlCameFromTheArchive(r.out());
    }
  }

  /**
   * run, exec and shell map the smaller archive trained on their way only, every other command the
   * archive of all: a JDK 25 AOT cache loads every class it holds at start.
   */
  @Test
  void execMapsTheRunArchiveAndOtherCommandsTheFullOne() throws Exception {
    Pattern archive =
        Pattern.compile("\\s(?:AOTCache|SharedArchiveFile)\\s+= (\\S+)\\s.*\\{command line\\}");
    for (List<String> args :
        List.of(
            List.of("exec", "--help"),
            List.of("shell", "--help"),
            List.of("exec", "--help", "docker://registry.invalid/a:1"),
            List.of("--version"))) {
      Launcher.Result r = sifctlFromItsArchive("-XX:+PrintFlagsFinal", args.toArray(String[]::new));
      Matcher m = archive.matcher(r.out());
      assertThat(m.find()).as("the archive sifctl %s was given", args).isTrue();
      // a run of a pull source pulls first: the run archive holds no pull
      boolean runWay =
          !args.get(0).startsWith("-") && args.stream().noneMatch(a -> a.contains("://"));
      String expected = runWay ? "sifctl-run\\.(aot|jsa)" : "sifctl\\.(aot|jsa)";
      assertThat(Path.of(m.group(1)).getFileName().toString())
          .as("sifctl %s", args)
          .matches(expected);
    }
  }

  /**
   * Runs bin/sifctl with its own JVM and options plus {@code jvmFlags} and {@code
   * -Xlog:class+load=info} (JAVA_TOOL_OPTIONS adds to the launcher's options instead of replacing
   * them, and this test's environment may carry others), and checks that it succeeded and mapped
   * sifctl's main class from an archive: a JVM that refuses one falls back silently.
   */
  private static Launcher.Result sifctlFromItsArchive(String jvmFlags, String... args)
      throws Exception {
    Launcher.Result r =
        Launcher.sifctlWithEnv(
                Map.of(
                    "JAVA_TOOL_OPTIONS",
                    (jvmFlags + " -Xlog:class+load=info").strip(),
                    "SIFKUBE_JAVA",
                    "",
                    "SIFKUBE_JAVA_OPTS",
                    ""),
                args)
            .ok();
    assertSifctlCameFromTheArchive(r.out());
    return r;
  }

  /** In a {@code -Xlog:class+load=info} log: sifctl's main class was mapped from the archive. */
  private static void assertSifctlCameFromTheArchive(String classLoadLog) {
    assertThat(classLoadLog.lines().filter(l -> l.contains(" io.sifkube.cli.Sifctl source: ")))
        .singleElement()
        .asString()
        .contains("shared objects file");
  }

  /**
   * A command that hashes image data gets SHA-256 compiled by C2, where its intrinsic is, start-up
   * archive and all. A JDK 25 AOT cache keeps the compile level each method reached in the training
   * run and replays it: trained under C1 alone, it kept SHA-256 at C1 in every later pull, push,
   * sign and verify (a sign of a 1 GiB object took 5.5-5.9 s instead of 1.4-2.0 s).
   */
  @Test
  void hashingCodeReachesC2WithTheBuildsArchive() throws Exception {
    Path blob = tmp.resolve("blob");
    try (RandomAccessFile f = new RandomAccessFile(blob.toFile(), "rw")) {
      f.setLength(256L << 20); // sparse
    }
    Path sif = tmp.resolve("big.sif");
    Launcher.sifctl("sif", "new", sif.toString()).ok();
    Launcher.sifctl(
            "sif", "add", "--datatype", "7", "--groupid", "1", sif.toString(), blob.toString())
        .ok();
    Path key = Launcher.sifReference().resolve("keys/ed25519-private.pem");
    Launcher.Result r =
        sifctlFromItsArchive(
            "-XX:+PrintCompilation", "sign", "--key", key.toString(), sif.toString());
    // PrintCompilation: "<ms> <id> [flags] <level> <method> [@ bci] (<bytes>)"; level 4 is C2.
    Pattern c2 =
        Pattern.compile(
            "^\\s*\\d+\\s+\\d+[%sbn!\\s]*\\s4\\s+sun\\.security\\.provider\\."
                + "(SHA2::implCompress0|DigestBase::implCompressMultiBlock0?)\\b",
            Pattern.MULTILINE);
    assertThat(c2.matcher(r.out()).find())
        .as("a C2 compile of SHA-256's code among:%n%s", sha256Lines(r.out()))
        .isTrue();
  }

  /**
   * Neither a short command nor the verify of a DSSE signature loads BouncyCastle, which only
   * OpenPGP signatures need. Its jar is signed, so its first class costs the JDK a check of that
   * signature (about 50 ms here); once the training's DSSE verify had loaded the OpenPGP code, JDK
   * 25's AOT cache linked it at every start, {@code --version} included.
   */
  @Test
  void shortCommandsAndDsseVerifyLoadNoBouncyCastle() throws Exception {
    Path signed = Launcher.sifReference().resolve("one-group-signed-dsse.sif");
    Path key = Launcher.sifReference().resolve("keys/ed25519-public.pem");
    for (List<String> args :
        List.of(
            List.of("--version"),
            List.of("verify", "--key", key.toString(), signed.toString()),
            List.of("exec", "--help"))) {
      Launcher.Result r = sifctlFromItsArchive("", args.toArray(String[]::new));
      assertThat(r.out().lines().filter(l -> l.contains(" org.bouncycastle.")))
          .as("BouncyCastle classes loaded by sifctl %s", args)
          .isEmpty();
    }
  }

  /**
   * An exec of an image file, to the end, takes every class of sifctl and its libraries from the
   * run archive: the training covers the steps after the mounts too (the seccomp filter, the
   * hand-over to the runtime), and nothing on the way makes the JVM verify a class against
   * picocli's, which a run has no jar for (target/sifctl-run.classpath). A class read from a jar
   * costs a short run its parsing and verification, and the first one its jar's opening.
   */
  @Test
  void anExecOfAnImageFileTakesEveryClassFromTheRunArchive() throws Exception {
    assertThat(Launcher.isRoot()).as("this test runs a container and needs root").isTrue();
    Path tree = tmp.resolve("busybox");
    Files.createDirectories(tree.resolve("bin"));
    Files.copy(Path.of("/bin/busybox"), tree.resolve("bin/busybox"));
    Files.createSymbolicLink(tree.resolve("bin/true"), Path.of("busybox"));
    Path img = tmp.resolve("busybox.oci.sif");
    Launcher.sifctl("build", img.toString(), tree.toString()).ok();
    Launcher.Result r = sifctlFromItsArchive("", "exec", img.toString(), "/bin/true");
    assertThat(r.out().lines().filter(l -> l.contains(" source: file:")))
        .as("classes sifctl exec read from a jar")
        .isEmpty();
    assertThat(r.out()).contains(" io.sifkube.runtime.SeccompFilters source: shared objects file");
  }

  private static String sha256Lines(String printCompilation) {
    return String.join(
        "\n", printCompilation.lines().filter(l -> l.contains("sun.security.provider.")).toList());
  }

  @Test
  void badInputFailsWithOneLineAndNoTrace() throws Exception {
    Path junk = tmp.resolve("junk.sif");
    Files.write(junk, new byte[64]);
    Launcher.Result r = Launcher.sifctl("sif", "header", junk.toString());
    assertThat(r.status()).isEqualTo(1);
    assertThat(r.err())
        .isEqualTo(
            "sifctl: error: " + junk + ": file is 64 bytes, shorter than the 128-byte header\n");
  }

  @Test
  void buildIsReproducibleAndItsLayerIsASquashfsAtTheRecordedOffset() throws Exception {
    Path a = tmp.resolve("a.oci.sif");
    Path b = tmp.resolve("b.oci.sif");
    Launcher.sifctl("build", "--cmd", "/bin/hello", a.toString(), rootfs.toString()).ok();
    Launcher.sifctl("build", "--cmd", "/bin/hello", b.toString(), rootfs.toString()).ok();
    assertThat(Files.mismatch(a, b)).as("same tree, same bytes").isEqualTo(-1L);

    String list = Launcher.sifctl("sif", "list", a.toString()).ok().out();
    assertThat(list.lines().filter(l -> l.endsWith("|OCI.Blob"))).hasSize(3);
    assertThat(list.lines().filter(l -> l.endsWith("|OCI.RootIndex"))).hasSize(1);

    long offset = layerOffset(a);
    Launcher.Result ls =
        Launcher.exec(List.of("unsquashfs", "-o", Long.toString(offset), "-lls", a.toString()))
            .ok();
    assertThat(ls.out())
        .contains("squashfs-root/bin/hello")
        .containsPattern("-rwsr-xr-x \\S+ +\\d+ [^\\n]*squashfs-root/bin/hello")
        .contains("squashfs-root/etc/issue -> motd");
  }

  @Test
  void theKernelMountsTheLayerInPlace() throws Exception {
    assertThat(Launcher.isRoot())
        .as("this test mounts through a loop device and needs root")
        .isTrue();
    Path img = tmp.resolve("img.oci.sif");
    Launcher.sifctl("build", img.toString(), rootfs.toString()).ok();
    Path mnt = Files.createDirectory(tmp.resolve("mnt"));
    long offset = layerOffset(img);
    Launcher.exec(
            List.of(
                "mount",
                "-t",
                "squashfs",
                "-o",
                "ro,loop,offset=" + offset,
                img.toString(),
                mnt.toString()))
        .ok();
    try {
      assertThat(Files.readString(mnt.resolve("etc/issue"))).isEqualTo("sifkube quickstart\n");
      assertThat(Files.readString(mnt.resolve("bin/hello"))).contains("hello from sifkube");
    } finally {
      Launcher.exec(List.of("umount", "-d", mnt.toString())).ok();
    }
  }

  private static long layerOffset(Path img) throws Exception {
    String info = Launcher.sifctl("sif", "info", "1", img.toString()).ok().out();
    Matcher m = Pattern.compile("Offset: +(\\d+)").matcher(info);
    assertThat(m.find()).as("offset in: %s", info).isTrue();
    return Long.parseLong(m.group(1));
  }
}
