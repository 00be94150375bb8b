package io.sifkube.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sifkube.files.Durable;
import io.sifkube.files.PrivateDirs;
import io.sifkube.image.oci.Digest;
import io.sifkube.json.Json;
import io.sifkube.sys.SeccompBpf;
import io.sifkube.sys.SyscallException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

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
    byte[] json = Json.bytes(seccomp);
    Optional<String> version = SeccompBpf.libraryVersion();
    if (version.isEmpty()) {
      return; // no libseccomp here: crun compiles the JSON itself, as before
    }
    byte[] keyed =
        (version.get() + "\n" + new String(json, StandardCharsets.UTF_8))
            .getBytes(StandardCharsets.UTF_8);
    String key = Digest.sha256(keyed).hex();
    String program = COMPILED.get(key);
    if (program == null) {
      program = Base64.getEncoder().encodeToString(cached(seccomp, key, cacheDir));
      COMPILED.put(key, program);
    }
    spec.with("annotations").put(ANNOTATION, program);
  }

  private static byte[] cached(JsonNode seccomp, String key, Path cacheDir) throws IOException {
    Path dir = PrivateDirs.ensure(cacheDir, m -> {});
    Path file = dir.resolve(key + ".bpf");
    if (Files.isRegularFile(file)) {
      byte[] bpf = Files.readAllBytes(file);
      if (bpf.length > 0 && bpf.length % 8 == 0) { // whole sock_filter instructions
        return bpf;
      }
    }
    byte[] bpf;
    try {
      bpf = SeccompBpf.compile(seccomp);
    } catch (SyscallException e) {
      throw new IOException("compiling the seccomp filter: " + e.getMessage(), e);
    }
    Path tmp = Files.createTempFile(dir, key, ".tmp");
    try {
      Files.write(tmp, bpf);
      Durable.commit(tmp, file);
    } finally {
      Files.deleteIfExists(tmp);
    }
    return bpf;
  }
}
