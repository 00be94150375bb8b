package io.sifkube.sys;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.jna.LastErrorException;
import com.sun.jna.Pointer;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Compiles an OCI {@code linux.seccomp} object to the BPF program the kernel runs, with libseccomp,
 * as crun and runc do at every container start. Done once and cached by the caller, crun then takes
 * the program as it is ({@code run.oci.seccomp_bpf_data}) instead of compiling 364 rules for three
 * architectures again: 12.5 ms of every start here (docs/benchmarks.md). System calls libseccomp
 * does not know are left out, as crun leaves them out.
 */
public final class SeccompBpf {

  private static final int ACT_KILL_PROCESS = 0x80000000;
  private static final int ACT_KILL_THREAD = 0;
  private static final int ACT_TRAP = 0x00030000;
  private static final int ACT_ERRNO = 0x00050000;
  private static final int ACT_TRACE = 0x7ff00000;
  private static final int ACT_LOG = 0x7ffc0000;
  private static final int ACT_ALLOW = 0x7fff0000;
  private static final int EPERM = 1;
  private static final int NR_SCMP_ERROR = -1;
  private static final int EEXIST = 17;

  private static final Map<String, Integer> OPS =
      Map.of(
          "SCMP_CMP_NE", 1,
          "SCMP_CMP_LT", 2,
          "SCMP_CMP_LE", 3,
          "SCMP_CMP_EQ", 4,
          "SCMP_CMP_GE", 5,
          "SCMP_CMP_GT", 6,
          "SCMP_CMP_MASKED_EQ", 7);

  private SeccompBpf() {}

  /**
   * The BPF program of {@code seccomp} (the runtime spec's {@code linux.seccomp}).
   *
   * @throws SyscallException when libseccomp refuses a rule or cannot write the program
   */
  public static byte[] compile(JsonNode seccomp) throws SyscallException {
    LibSeccomp lib = LibSeccomp.Holder.INSTANCE;
    int defaultErrno =
        seccomp.has("defaultErrnoRet") ? seccomp.get("defaultErrnoRet").asInt() : EPERM;
    int defaultAction = action(seccomp.path("defaultAction").asText(), defaultErrno);
    Pointer ctx = lib.seccomp_init(defaultAction);
    if (ctx == null) {
      throw new SyscallException("seccomp_init", "the filter", 22);
    }
    try {
      for (JsonNode a : seccomp.path("architectures")) {
        String name = a.asText().replace("SCMP_ARCH_", "").toLowerCase(Locale.ROOT);
        int token = lib.seccomp_arch_resolve_name(name);
        if (token == 0) {
          throw new SyscallException("seccomp_arch_resolve_name", a.asText(), 22);
        }
        int rc = lib.seccomp_arch_add(ctx, token);
        if (rc < 0 && rc != -EEXIST) {
          throw new SyscallException("seccomp_arch_add", a.asText(), -rc);
        }
      }
      for (JsonNode r : seccomp.path("syscalls")) {
        int errno = r.has("errnoRet") ? r.get("errnoRet").asInt() : EPERM;
        int act = action(r.path("action").asText(), errno);
        if (act == defaultAction) {
          continue; // libseccomp refuses a rule that does what the default does
        }
        byte[] args = args(r.path("args"));
        for (JsonNode n : r.path("names")) {
          int nr = lib.seccomp_syscall_resolve_name(n.asText());
          if (nr == NR_SCMP_ERROR) {
            continue; // unknown to this libseccomp: crun skips it too
          }
          int rc = lib.seccomp_rule_add_array(ctx, act, nr, args.length / 24, args);
          if (rc < 0) {
            throw new SyscallException("seccomp_rule_add", n.asText(), -rc);
          }
        }
      }
      return export(lib, ctx);
    } finally {
      lib.seccomp_release(ctx);
    }
  }

  /**
   * libseccomp's version ("2.5.4"): a cached program is valid only for the one that made it. Empty
   * where the library cannot be loaded (then crun compiles the filter itself).
   */
  public static Optional<String> libraryVersion() {
    return Optional.ofNullable(Version.VALUE);
  }

  /** Asked once per process, on whichever thread comes first (see Syscalls#loadInBackground). */
  private static final class Version {
    static final String VALUE = load();

    private static String load() {
      try {
        Pointer v = LibSeccomp.Holder.INSTANCE.seccomp_version();
        return v.getInt(0) + "." + v.getInt(4) + "." + v.getInt(8);
      } catch (LinkageError e) {
        // UnsatisfiedLinkError the first time; a second look at the holder would be a
        // NoClassDefFoundError, which is why the answer is kept here
        return null;
      }
    }
  }

  private static byte[] export(LibSeccomp lib, Pointer ctx) throws SyscallException {
    LibC c = LibC.INSTANCE;
    int fd;
    try {
      fd = c.memfd_create("sifkube-seccomp", LibC.MFD_CLOEXEC);
    } catch (LastErrorException e) {
      throw new SyscallException("memfd_create", "seccomp filter", e.getErrorCode());
    }
    try {
      int rc = lib.seccomp_export_bpf(ctx, fd);
      if (rc < 0) {
        throw new SyscallException("seccomp_export_bpf", "seccomp filter", -rc);
      }
      c.lseek(fd, 0, LibC.SEEK_SET);
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      byte[] buf = new byte[1 << 16];
      long n;
      while ((n = c.read(fd, buf, buf.length)) > 0) {
        out.write(buf, 0, (int) n);
      }
      return out.toByteArray();
    } catch (LastErrorException e) {
      throw new SyscallException("read", "seccomp filter", e.getErrorCode());
    } finally {
      c.close(fd);
    }
  }

  /** struct scmp_arg_cmp[]: {unsigned int arg; enum scmp_compare op; u64 datum_a; u64 datum_b}. */
  private static byte[] args(JsonNode list) {
    ByteBuffer b = ByteBuffer.allocate(24 * list.size()).order(ByteOrder.nativeOrder());
    for (JsonNode a : list) {
      b.putInt(a.path("index").asInt());
      b.putInt(OPS.getOrDefault(a.path("op").asText(), 0));
      b.putLong(a.path("value").asLong());
      b.putLong(a.path("valueTwo").asLong());
    }
    return b.array();
  }

  private static int action(String name, int errno) {
    return switch (name) {
      case "SCMP_ACT_KILL", "SCMP_ACT_KILL_THREAD" -> ACT_KILL_THREAD;
      case "SCMP_ACT_KILL_PROCESS" -> ACT_KILL_PROCESS;
      case "SCMP_ACT_TRAP" -> ACT_TRAP;
      case "SCMP_ACT_ERRNO" -> ACT_ERRNO | (errno & 0xffff);
      case "SCMP_ACT_TRACE" -> ACT_TRACE | (errno & 0xffff);
      case "SCMP_ACT_LOG" -> ACT_LOG;
      case "SCMP_ACT_ALLOW" -> ACT_ALLOW;
      default -> throw new IllegalArgumentException("unknown seccomp action " + name);
    };
  }
}
