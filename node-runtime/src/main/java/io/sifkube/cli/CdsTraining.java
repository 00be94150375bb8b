package io.sifkube.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sifkube.cdi.Injection;
import io.sifkube.cdi.InventoryCache;
import io.sifkube.image.oci.MediaTypes;
import io.sifkube.json.Json;
import io.sifkube.mount.KernelMounter;
import io.sifkube.runtime.Caller;
import io.sifkube.runtime.ContainerLauncher;
import io.sifkube.runtime.OciRuntime;
import io.sifkube.runtime.SeccompFilters;
import io.sifkube.sif.oci.LayerSource;
import io.sifkube.sif.oci.OciSifImage;
import io.sifkube.sif.oci.OciSifReader;
import io.sifkube.sif.oci.OciSifWriter;
import io.sifkube.spec.RuntimeSpec;
import io.sifkube.sys.SealedExecutable;
import io.sifkube.sys.SyscallException;
import io.sifkube.sys.Syscalls;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.util.Base64;
import java.util.List;

/**
 * The training run behind sifctl's class-data-sharing archive ({@code target/sifctl.jsa}). The
 * build runs it once through {@code bin/sifctl} with {@code SIFKUBE_CDS_TRAIN=1}, which adds {@code
 * -XX:ArchiveClassesAtExit}; later sifctl processes then map the classes it loaded — picocli's
 * model of the commands, Jackson, the SIF and OCI-SIF readers, the runtime spec, JNA — from the
 * archive instead of loading, parsing and verifying them again, which was most of a short command's
 * time. It goes the way {@code sifctl exec} goes up to the first step that needs privileges, on a
 * throw-away OCI-SIF, and needs no root and no container tools.
 *
 * <p>With the argument {@code run} it trains only that way, for the archive of {@code run}, {@code
 * exec} and {@code shell}: a JDK 25 AOT cache loads and links every class it holds when the JVM
 * starts, and with the 1,800 classes an exec needs instead of the 3,000 of every command an exec
 * took 161 ms instead of 180 (docs/benchmarks.md).
 */
final class CdsTraining {

  private CdsTraining() {}

  public static void main(String[] args) throws Exception {
    Path dir = Files.createTempDirectory("sifctl-cds-");
    try {
      PrintWriter sink = new PrintWriter(Writer.nullWriter());
      Path sif = trainingImage(dir);
      String which = args.length == 0 ? "all" : String.join(" ", args);
      switch (which) {
        case "run" -> trainRun(dir, sif, sink);
        case "all" -> {
          train(dir, sif, sink);
          trainRun(dir, sif, sink);
        }
        default -> throw new IllegalArgumentException("CdsTraining [all|run], not " + which);
      }
    } finally {
      ContainerLauncher.deleteTree(dir);
    }
  }

  /** A throw-away OCI-SIF with one 4 KiB layer, to read, sign, push and pull. */
  private static Path trainingImage(Path dir) throws IOException {
    ObjectNode config = Json.object();
    config.putObject("config").putArray("Cmd").add("/bin/sh");
    Path layer = Files.write(dir.resolve("layer"), new byte[4096]);
    Path sif = dir.resolve("train.oci.sif");
    OciSifWriter.write(sif, List.of(LayerSource.squashfs(layer)), config, MediaTypes.OCI_MANIFEST);
    return sif;
  }

  /** Every command but run, exec and shell. */
  private static void train(Path dir, Path sif, PrintWriter sink) throws Exception {
    for (String[] cmd :
        List.of(
            new String[] {"--help"}, new String[] {"--version"}, new String[] {"pull", "--help"})) {
      Sifctl.run(cmd, sink, sink);
    }
    Sifctl.run(new String[] {"sif", "list", sif.toString()}, sink, sink);
    Sifctl.run(new String[] {"sif", "info", "1", sif.toString()}, sink, sink);
    try {
      signAndVerify(dir, sif, sink);
    } catch (GeneralSecurityException noEd25519) {
      // a JDK with restricted providers (FIPS mode): the archive goes without these classes
    }
    try (TrainingRegistry registry = new TrainingRegistry()) {
      String ref = "docker://" + registry.host() + "/train/image:v1";
      Sifctl.run(new String[] {"push", sif.toString(), ref}, sink, sink);
      Sifctl.run(
          new String[] {
            "pull", "--cache-dir", dir.resolve("cache").toString(), ref, dir + "/pulled.oci.sif"
          },
          sink,
          sink);
    }
  }

  /** run, exec and shell, up to the first step that needs privileges. */
  private static void trainRun(Path dir, Path sif, PrintWriter sink) throws Exception {
    Sifctl.run(new String[] {"exec", "--help"}, sink, sink);
    RunFlags flags = new RunFlags();
    List<String> rest =
        RunFlags.TABLE.parse(
            flags, List.of("--env", "A=1", "-B", dir + ":/mnt", sif.toString(), "/bin/true"));
    OciSifImage img = OciSifReader.read(sif);
    ObjectNode spec =
        RuntimeSpec.build(
            img.config(),
            flags.toOptions(true, rest.subList(1, rest.size()), Injection.NONE),
            "root:x:0:0:root:/root:/bin/sh\n",
            "root:x:0:\n");
    Json.bytes(spec);
    Path cdi = cdiSpecs(dir);
    RunFlags withDevices = new RunFlags();
    List<String> devRest =
        RunFlags.TABLE.parse(
            withDevices,
            List.of(
                "--cdi-dirs",
                cdi.toString(),
                "--device",
                "train.example/dev=a,train.example/nic=b",
                sif.toString(),
                "/bin/true"));
    InventoryCache cache = new InventoryCache(dir.resolve("cdi-cache"), Caller.current().uid());
    for (int i = 0; i < 2; i++) { // reading the files, then from the cache
      Json.bytes(
          RuntimeSpec.build(
              img.config(),
              withDevices.toOptions(
                  true, devRest.subList(1, devRest.size()), withDevices.cdi(cache)),
              "root:x:0:0:root:/root:/bin/sh\n",
              "root:x:0:\n"));
    }
    try {
      SealedExecutable.isSealed(Path.of("/proc/self/exe")); // loads JNA and libc
      OciRuntime.choose(null, m -> {}, dir.resolve("runtime"));
    } catch (IOException noRuntimeHere) {
      // the classes are loaded either way
    }
    // The steps after the mounts: the compiled seccomp filter (with libseccomp when installed;
    // a fresh cache each build, so it compiles) and the environment handed to the runtime.
    SeccompFilters.precompile(
        spec,
        new OciRuntime("crun", Path.of("/bin/false"), dir.resolve("runtime")),
        dir.resolve("seccomp-bpf"));
    Syscalls.envp(System.getenv());
    runUpToTheFirstMount(dir, sif, sink);
  }

  /**
   * {@code sign} and {@code verify} of a copy of {@code sif} with a throw-away Ed25519 key (DSSE):
   * the JDK's key and signature classes and the envelope code. (BouncyCastle's classes, which the
   * OpenPGP path and the key IDs use, come from a signed jar, which no archive takes.)
   */
  private static void signAndVerify(Path dir, Path sif, PrintWriter sink) throws Exception {
    KeyPair pair = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
    Path key = pem(dir.resolve("train-private.pem"), "PRIVATE KEY", pair.getPrivate());
    Path pub = pem(dir.resolve("train-public.pem"), "PUBLIC KEY", pair.getPublic());
    Path signed = Files.copy(sif, dir.resolve("signed.oci.sif"));
    Sifctl.run(new String[] {"sign", "--key", key.toString(), signed.toString()}, sink, sink);
    Sifctl.run(new String[] {"verify", "--key", pub.toString(), signed.toString()}, sink, sink);
  }

  private static Path pem(Path file, String type, Key key) throws IOException {
    String body = Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(key.getEncoded());
    return Files.writeString(
        file, "-----BEGIN " + type + "-----\n" + body + "\n-----END " + type + "-----\n");
  }

  /** CDI spec files for the training: a YAML and a JSON one, with every kind of edit. */
  private static Path cdiSpecs(Path dir) throws IOException {
    Path cdi = dir.resolve("cdi");
    if (Files.isDirectory(cdi)) {
      return cdi;
    }
    Files.createDirectories(cdi);
    Files.writeString(
        cdi.resolve("train.yaml"),
        "cdiVersion: \"0.6.0\"\nkind: train.example/dev\ncontainerEdits:\n  env: [TRAIN=1]\n"
            + "devices:\n- name: a\n  annotations: {x: y}\n  containerEdits:\n"
            + "    deviceNodes: [{path: /dev/train0, hostPath: /dev/null}]\n"
            + "    mounts: [{hostPath: /etc/hostname, containerPath: /etc/train, options: [ro, bind]}]\n"
            + "    hooks: [{hookName: createContainer, path: /bin/true}]\n");
    Files.writeString(
        cdi.resolve("train.json"),
        "{\"cdiVersion\":\"0.3.0\",\"kind\":\"train.example/nic\",\"devices\":[{\"name\":\"b\","
            + "\"containerEdits\":{\"env\":[\"NIC=1\"]}}]}");
    return cdi;
  }

  /**
   * {@code sifctl exec} itself, with a bind whose source is missing: the command line, caller,
   * runtime choice and image are handled as in a real run, then the run is refused before anything
   * is made or mounted. The sweep of a stale run and a failing system call cover the steps after,
   * and the classes that only those steps use are loaded by name (a renamed one fails the build).
   */
  private static void runUpToTheFirstMount(Path dir, Path sif, PrintWriter sink) throws Exception {
    String missing = dir.resolve("missing").toString();
    RunCommand.main(
        RunCommand.Kind.EXEC,
        List.of("-B", missing + ":/mnt", sif.toString(), "/bin/true"),
        sink,
        sink);
    // With CDI devices: the first run reads the spec files (YAML and JSON), the second takes them
    // from the inventory cache, as most runs do.
    Path cdi = cdiSpecs(dir);
    for (int i = 0; i < 2; i++) {
      RunCommand.main(
          RunCommand.Kind.EXEC,
          List.of(
              "--cdi-dirs",
              cdi.toString(),
              "--device",
              "train.example/dev=a,train.example/nic=b",
              "-B",
              missing + ":/mnt",
              sif.toString(),
              "/bin/true"),
          sink,
          sink);
    }
    Path state = Files.createDirectories(dir.resolve("state"));
    Path stale = Files.createDirectories(state.resolve("sifctl-training"));
    Files.writeString(stale.resolve("pid"), "-1");
    Files.createFile(stale.resolve(".handed-over"));
    OciRuntime rt = new OciRuntime("crun", Path.of("/bin/false"), dir.resolve("runtime"));
    new ContainerLauncher(new KernelMounter(false, m -> {}), rt, state, m -> {}).sweep();
    try {
      Syscalls.umount(dir.resolve("missing")); // nothing is mounted there: ENOENT
    } catch (SyscallException expected) {
      // libc is bound and an errno described
    }
    ClassLoader loader = CdsTraining.class.getClassLoader();
    for (String name :
        List.of(
            "io.sifkube.runtime.RuntimeProcess",
            "io.sifkube.runtime.OverlaySource",
            "io.sifkube.runtime.OverlaySource$Kind",
            "io.sifkube.sys.Loop",
            "io.sifkube.sys.Loop$Device",
            "com.sun.jna.StringArray")) {
      Class.forName(name, false, loader);
    }
  }
}
