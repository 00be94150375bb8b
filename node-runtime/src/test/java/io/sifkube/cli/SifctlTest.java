package io.sifkube.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.sifkube.sif.SifFile;
import io.sifkube.testing.Fixtures;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SifctlTest {

  @TempDir Path tmp;

  record Result(int status, String out, String err) {}

  static Result run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int status = Sifctl.run(args, new PrintWriter(out), new PrintWriter(err));
    return new Result(status, out.toString(), err.toString());
  }

  @Test
  void versionAndHelp() {
    Result v = run("--version");
    assertThat(v.status()).isZero();
    assertThat(v.out()).startsWith("sifctl ").isEqualTo(Sifctl.version() + System.lineSeparator());
    assertThat(run("-V").out()).isEqualTo(v.out());
    Result h = run("--help");
    assertThat(h.status()).isZero();
    assertThat(h.out()).contains("Usage: sifctl").contains("sif").contains("build");
    assertThat(run("sif", "--help").out()).contains("header", "list", "info", "dump", "add", "del");
  }

  @Test
  void containerCommandsHaveTheirOwnHelpAndUsageErrors() throws Exception {
    assertThat(run("--help").out()).contains("run ", "exec ", "shell ");
    Result help = run("exec", "--help");
    assertThat(help.status()).isZero();
    assertThat(help.out())
        .startsWith("Usage: sifctl exec [OPTIONS] IMAGE CMD [ARGS...]\n")
        .contains("  -B, --bind=SRC[:DST[:ro|rw]][,...]", "--memory=SIZE", "--nv", "--fakeroot");
    assertThat(run("shell", "-h").out()).startsWith("Usage: sifctl shell [OPTIONS] IMAGE\n");
    assertThat(run("run", "-V").out()).startsWith("sifctl ");

    Result unknown = run("exec", "--frob", "img", "true");
    assertThat(unknown.status()).isEqualTo(2);
    assertThat(unknown.err())
        .isEqualTo("sifctl exec: unknown option '--frob'\nRun 'sifctl exec --help' for usage.\n");
    assertThat(run("exec", "--cpus", "abc", "img").err())
        .startsWith("sifctl exec: option --cpus: 'abc' is not a number\n");
    assertThat(run("run").err()).startsWith("sifctl run: missing IMAGE");
    assertThat(run("exec", "--memory").err())
        .startsWith("sifctl exec: option --memory needs a value (SIZE)");
    assertThat(run("shell", "img", "ls").status()).isEqualTo(2);

    // Parsed options reach the run: a missing image is named, with status 1 (not a usage error).
    Path none = tmp.resolve("none.oci.sif");
    Result missing = run("exec", "--env", "A=1", "--", none.toString(), "--cwd");
    assertThat(missing.status()).isEqualTo(1);
    assertThat(missing.err()).isEqualTo("sifctl: error: " + none + ": no such image file\n");
    assertThat(run("exec", "--no-mount", "proc,nope", none.toString(), "true").err())
        .contains("--no-mount nope: not one of");
  }

  @Test
  void pushAndPullHaveTheirOwnTablesWithPicocliSpellings() throws Exception {
    for (String cmd : List.of("push", "pull")) {
      assertThat(run("--help").out()).contains(cmd + " ");
      Result help = run(cmd, "-h");
      assertThat(help.status()).isZero();
      assertThat(help.err()).isEmpty();
      assertThat(help.out())
          .startsWith("Usage: sifctl " + cmd + " [OPTIONS] ")
          .contains("Arguments:", "--authfile=FILE", "--insecure", "-h, --help");
      assertThat(run(cmd, "--version").out()).startsWith("sifctl ");
      Result unknown = run(cmd, "x", "--frob");
      assertThat(unknown.status()).isEqualTo(2);
      assertThat(unknown.err())
          .isEqualTo(
              "sifctl "
                  + cmd
                  + ": unknown option '--frob'\nRun 'sifctl "
                  + cmd
                  + " --help' for usage.\n");
    }
    assertThat(run("push", "only-one").err())
        .startsWith("sifctl push: missing arguments: expected IMAGE DEST\n");
    assertThat(run("push", "a", "b", "c").err())
        .startsWith("sifctl push: unexpected argument 'c': expected IMAGE DEST\n");
    assertThat(run("push", "--chunk-size", "big", "a", "b").err())
        .startsWith("sifctl push: option --chunk-size: 'big' is not a whole number\n");
    assertThat(run("pull").status()).isEqualTo(2);
    assertThat(run("pull", "--squashfs-compression", "brotli", "docker://x/y").err())
        .startsWith("sifctl pull: --squashfs-compression: ")
        .contains("gzip", "lz4", "zstd", "xz");

    // Options after the arguments, as picocli took them, reach the command: the checks that
    // follow parsing name the file and the destination.
    Path none = tmp.resolve("none.oci.sif");
    Result push = run("push", none.toString(), "docker://127.0.0.1:1/x:v1", "--insecure");
    assertThat(push.status()).isEqualTo(1);
    assertThat(push.err()).isEqualTo("sifctl: error: " + none + ": no such file\n");
    Result dest = run("push", none.toString(), "ftp://x/y", "--from", "r");
    assertThat(dest.err()).contains("ftp://x/y: push destinations are docker://");
    Path exists = Files.writeString(tmp.resolve("exists.oci.sif"), "x");
    Result pull = run("pull", "oci:" + tmp.resolve("nolayout"), exists.toString());
    assertThat(pull.status()).isEqualTo(1);
    assertThat(pull.err()).contains(exists + ": image file already exists (use --force");
  }

  @Test
  void signAndVerifyHaveTheirOwnTablesAndSignaturesRoundTrip() throws Exception {
    for (String cmd : List.of("sign", "verify")) {
      Result help = run(cmd, "--help");
      assertThat(help.status()).isZero();
      assertThat(help.out())
          .startsWith("Usage: sifctl " + cmd + " [OPTIONS] IMAGE\n")
          .contains("--keyring=FILE", "-g, --group-id=N", "-i, --sif-id=N", "-h, --help");
      assertThat(run(cmd, "-g", "one", "x.sif").err())
          .startsWith("sifctl " + cmd + ": option --group-id: 'one' is not a whole number\n");
      assertThat(run(cmd).err()).startsWith("sifctl " + cmd + ": missing arguments");
    }
    Path keys = Fixtures.sifReference().resolve("keys");
    Path sif = Files.copy(Fixtures.sifReference().resolve("one-group.sif"), tmp.resolve("s.sif"));
    // options after the image, as picocli took them
    Result signed =
        run("sign", sif.toString(), "--key", keys.resolve("ed25519-private.pem").toString());
    assertThat(signed.status()).as(signed.err()).isZero();
    assertThat(run("sif", "list", sif.toString()).out()).contains("Signature");

    Result json =
        run("verify", sif.toString(), "-j", "--key", keys.resolve("ed25519-public.pem").toString());
    assertThat(json.status()).as(json.err()).isZero();
    assertThat(json.out()).contains("\"verified\":true").contains("\"kind\":\"DSSE\"");
    Result text =
        run("verify", "--key", keys.resolve("ed25519-public.pem").toString(), sif.toString());
    assertThat(text.out()).contains("Objects verified:", "Verified signature(s) from image");

    Result wrong =
        run("verify", "--key", keys.resolve("ecdsa-public.pem").toString(), sif.toString());
    assertThat(wrong.status()).isEqualTo(1);
    assertThat(wrong.err()).startsWith("sifctl: error: " + sif + ": verification failed");
    Result noKey = run("verify", sif.toString());
    assertThat(noKey.status()).isEqualTo(1);
    assertThat(noKey.err()).contains("give the key material");
    assertThat(run("verify", "-o", "yaml", "--key", "k.pem", sif.toString()).err())
        .contains("-o yaml: must be text or json");
    assertThat(run("sign", "--keyidx", "x", sif.toString()).status()).isEqualTo(2);
  }

  @Test
  void aFileThatIsNotSifGetsOneClearLineAndStatus1() throws Exception {
    Path junk = tmp.resolve("junk.sif");
    Files.writeString(junk, "x".repeat(200));
    Result r = run("sif", "list", junk.toString());
    assertThat(r.status()).isEqualTo(1);
    assertThat(r.err())
        .isEqualTo("sifctl: error: " + junk + ": not a SIF file (no SIF_MAGIC at offset 32)\n");
    assertThat(r.out()).isEmpty();
  }

  @Test
  void missingFilesAndObjectsAreNamed() {
    Path none = tmp.resolve("none.sif");
    Result r = run("sif", "header", none.toString());
    assertThat(r.status()).isEqualTo(1);
    assertThat(r.err())
        .startsWith("sifctl: error: " + none + ": cannot open")
        .doesNotContain("\tat ");
    Path sif = Fixtures.sifReference().resolve("one-group.sif");
    Result info = run("sif", "info", "9", sif.toString());
    assertThat(info.status()).isEqualTo(1);
    assertThat(info.err()).isEqualTo("sifctl: error: " + sif + ": no object with ID 9\n");
  }

  @Test
  void badUsageExitsWith2() {
    Result r = run("sif", "info", "notanumber", "x.sif");
    assertThat(r.status()).isEqualTo(2);
    assertThat(r.err()).contains("notanumber").contains("--help");
    assertThat(run("sif").status()).isEqualTo(2);
  }

  @Test
  void newAddSetprimDelRoundTrip() throws Exception {
    Path sif = tmp.resolve("t.sif");
    Path def = tmp.resolve("recipe.def");
    Files.writeString(def, "Bootstrap: docker\n");
    Path part = tmp.resolve("root.img");
    Files.write(part, new byte[] {1, 2, 3});
    assertThat(run("sif", "new", sif.toString()).status()).isZero();
    assertThat(run("sif", "add", "--datatype", "1", sif.toString(), def.toString()).status())
        .isZero();
    Result addPart =
        run(
            "sif",
            "add",
            "--datatype",
            "4",
            "--parttype",
            "1",
            "--partfs",
            "1",
            "--partarch",
            "2",
            "--groupid",
            "1",
            sif.toString(),
            part.toString());
    assertThat(addPart.err()).isEmpty();
    assertThat(run("sif", "setprim", "2", sif.toString()).status()).isZero();

    String list = run("sif", "list", sif.toString()).out();
    assertThat(list)
        .contains("1    |NONE    |NONE    |")
        .contains("|Def.FILE")
        .contains("2    |1       |NONE    |")
        .contains("|FS (Squashfs/*System/amd64)");
    assertThat(run("sif", "header", sif.toString()).out()).contains("Primary Architecture: amd64");
    assertThat(run("sif", "info", "1", sif.toString()).out())
        .contains("Name:")
        .contains("recipe.def");

    assertThat(dump(1, sif)).isEqualTo("Bootstrap: docker\n");

    assertThat(run("sif", "del", "1", sif.toString()).status()).isZero();
    try (SifFile f = SifFile.open(sif)) {
      assertThat(f.descriptors()).hasSize(1);
    }
  }

  @Test
  void addRejectsIncompleteMetadataWithoutTouchingTheFile() throws Exception {
    Path sif = tmp.resolve("t.sif");
    Path part = tmp.resolve("root.img");
    Files.write(part, new byte[] {1});
    run("sif", "new", sif.toString());
    byte[] before = Files.readAllBytes(sif);
    Result r = run("sif", "add", "--datatype", "4", sif.toString(), part.toString());
    assertThat(r.status()).isEqualTo(1);
    assertThat(r.err()).contains("--parttype").contains("--partfs").contains("--partarch");
    assertThat(Files.readAllBytes(sif)).isEqualTo(before);
  }

  @Test
  void addRecordsSbomSignatureAndOciMetadataAsSiftoolShowsIt() throws Exception {
    Path sif = tmp.resolve("t.sif");
    Path obj = tmp.resolve("obj");
    Files.writeString(obj, "{}");
    run("sif", "new", sif.toString());
    String s = sif.toString();
    String o = obj.toString();
    assertThat(run("sif", "add", "--datatype", "9", "--sbomformat", "spdx-json", s, o).status())
        .isZero();
    String fp = "433FE984155206BD962725E20E8713472A879943";
    assertThat(
            run(
                    "sif",
                    "add",
                    "--datatype",
                    "5",
                    "--signhash",
                    "2",
                    "--signentity",
                    fp,
                    "--link",
                    "1",
                    s,
                    o)
                .status())
        .isZero();
    assertThat(run("sif", "add", "--datatype", "11", s, o).status()).isZero();
    String list = run("sif", "list", s).out();
    assertThat(list)
        .contains("|SBOM (spdx-json)")
        .contains("|Signature (SHA-384)")
        .contains("|OCI.Blob");
    assertThat(run("sif", "info", "2", s).out())
        .contains("Entity:       " + fp)
        .contains("Linked ID:    1\n");
    assertThat(run("sif", "info", "3", s).out())
        .contains("sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a");
    Result bad = run("sif", "add", "--datatype", "9", "--sbomformat", "nope", s, o);
    assertThat(bad.status()).isEqualTo(1);
    assertThat(bad.err()).contains("--sbomformat, one of cyclonedx-json");
  }

  private static String dump(int id, Path sif) {
    PrintStream saved = System.out;
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    System.setOut(new PrintStream(bytes, true));
    try {
      assertThat(run("sif", "dump", Integer.toString(id), sif.toString()).status()).isZero();
    } finally {
      System.setOut(saved);
    }
    return bytes.toString();
  }
}
