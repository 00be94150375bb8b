package io.sifkube.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sifkube.files.Durable;
import io.sifkube.files.PrivateDirs;
import io.sifkube.json.Json;
import io.sifkube.sys.SeccompBpf;
import io.sifkube.sys.SyscallException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.zip.CRC32;

/**
 * Gives crun the container's seccomp filter compiled: crun compiles {@code linux.seccomp} with
 * libseccomp at every start (12.5 ms for the default profile here), unless the annotation {@code
 * run.oci.seccomp_bpf_data} holds the program. Programs are compiled once per profile and
 * libseccomp version and kept in memory and in a private directory, so one-shot sifctl runs share
 * them too. runc has no such annotation and still compiles; the JSON stays in the spec for it and
 * for anyone reading the bundle.
 */
public final class SeccompFilters {

  static final String ANNOTATION = "run.oci.seccomp_bpf_data";

  private static final Map<String, String> COMPILED = new ConcurrentHashMap<>();

  private SeccompFilters() {}

  /**
   * Adds the compiled filter to {@code spec} when {@code runtime} is crun and a filter is set.
   * (Public for sifctl's start-up training, which goes this way as an exec does.)
   */
  public static void precompile(ObjectNode spec, OciRuntime runtime, Path cacheDir)
      throws IOException {
    JsonNode seccomp = spec.path("linux").path("seccomp");
    if (!runtime.name().equals("crun") || !seccomp.isObject()) {
      return;
    }
    Optional<String> version = SeccompBpf.libraryVersion();
    if (version.isEmpty()) {
      return; // no libseccomp here: crun compiles the JSON itself, as before
    }
    String keyed = version.get() + "\n" + new String(Json.bytes(seccomp), StandardCharsets.UTF_8);
    String program = COMPILED.get(keyed);
    if (program == null) {
      program = Base64.getEncoder().encodeToString(cached(seccomp, keyed, cacheDir));
      COMPILED.put(keyed, program);
    }
    spec.with("annotations").put(ANNOTATION, program);
  }

  /**
   * The program for {@code keyed} (libseccomp's version, a newline, the profile's JSON) from {@code
   * cacheDir}, or compiled and kept there. A file is named by a CRC-32 of that text and begins with
   * it, which must match byte for byte: two profiles sharing a name miss each other's program,
   * never take it. Records are written whole (a temporary file, synced, renamed); one that does not
   * end in whole instructions is compiled again. (Named by SHA-256, the key cost a one-shot exec 2
   * ms of hashing, interpreted.)
   */
  static byte[] cached(JsonNode seccomp, String keyed, Path cacheDir) throws IOException {
    byte[] key = keyed.getBytes(StandardCharsets.UTF_8);
    CRC32 crc = new CRC32();
    crc.update(key);
    String name = Long.toHexString(crc.getValue()) + "-" + key.length;
    Path dir = PrivateDirs.ensure(cacheDir, m -> {});
    Path file = dir.resolve(name + ".filter");
    if (Files.isRegularFile(file)) {
      byte[] stored = Files.readAllBytes(file);
      int bpf = stored.length - key.length;
      if (bpf > 0
          && bpf % 8 == 0 // whole sock_filter instructions
          && Arrays.equals(stored, 0, key.length, key, 0, key.length)) {
        return Arrays.copyOfRange(stored, key.length, stored.length);
      }
    }
    byte[] bpf;
    try {
      bpf = SeccompBpf.compile(seccomp);
    } catch (SyscallException e) {
      throw new IOException("compiling the seccomp filter: " + e.getMessage(), e);
    }
    Path tmp = Files.createTempFile(dir, name, ".tmp");
    try {
      byte[] record = Arrays.copyOf(key, key.length + bpf.length);
      System.arraycopy(bpf, 0, record, key.length, bpf.length);
      Files.write(tmp, record);
      Durable.commit(tmp, file);
    } finally {
      Files.deleteIfExists(tmp);
    }
    return bpf;
  }
}
