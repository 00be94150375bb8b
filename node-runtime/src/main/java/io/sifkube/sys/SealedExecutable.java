package io.sifkube.sys;

import com.sun.jna.LastErrorException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * Sealed in-memory copies of executables. crun protects its host binary against CVE-2019-5736 (a
 * container overwriting the runtime through {@code /proc/self/exe}) by bind-mounting or copying
 * itself and executing itself again on every invocation, unless it already runs from a fully sealed
 * memfd — which cannot be written by anyone; runc's init does the same. A daemon that runs the
 * runtime thousands of times makes that copy once here and executes it through {@code
 * /proc/PID/fd/N}, which keeps the protection and saves an exec, a bind mount and a few
 * milliseconds per call. The copy lives as long as this process.
 */
public final class SealedExecutable {

  private static final int ALL_SEALS =
      LibC.F_SEAL_SEAL | LibC.F_SEAL_SHRINK | LibC.F_SEAL_GROW | LibC.F_SEAL_WRITE;
  private static final Map<Path, Path> COPIES = new HashMap<>();

  private SealedExecutable() {}

  /**
   * A path that executes a sealed copy of {@code binary} (made once per binary and process).
   *
   * @throws IOException when the binary cannot be read or memfds are not available (a seccomp
   *     filter, an old kernel)
   */
  public static synchronized Path of(Path binary) throws IOException {
    Path real = binary.toRealPath();
    Path known = COPIES.get(real);
    return known != null ? known : copy(real);
  }

  private static Path copy(Path real) throws IOException {
    byte[] content = Files.readAllBytes(real);
    LibC c = LibC.INSTANCE;
    int fd;
    try {
      fd =
          c.memfd_create("sealed:" + real.getFileName(), LibC.MFD_CLOEXEC | LibC.MFD_ALLOW_SEALING);
    } catch (LastErrorException e) {
      throw new SyscallException("memfd_create for", real.toString(), e.getErrorCode());
    }
    try {
      int done = 0;
      while (done < content.length) {
        byte[] rest = done == 0 ? content : Arrays.copyOfRange(content, done, content.length);
        done += (int) c.write(fd, rest, rest.length);
      }
      c.fcntl(fd, LibC.F_ADD_SEALS, ALL_SEALS);
    } catch (LastErrorException e) {
      c.close(fd);
      throw new SyscallException("sealing a copy of", real.toString(), e.getErrorCode());
    }
    Path path = Path.of("/proc/" + ProcessHandle.current().pid() + "/fd/" + fd);
    COPIES.put(real, path);
    return path;
  }

  /** True when {@code path} is a memfd carrying every seal (what the runtimes accept). */
  public static boolean isSealed(Path path) throws SyscallException {
    LibC c = LibC.INSTANCE;
    int fd;
    try {
      fd = c.open(path.toString(), LibC.O_RDONLY | LibC.O_CLOEXEC);
    } catch (LastErrorException e) {
      throw new SyscallException("open", path.toString(), e.getErrorCode());
    }
    try {
      return c.fcntl(fd, LibC.F_GET_SEALS, 0) == ALL_SEALS;
    } catch (LastErrorException e) {
      return false; // not a memfd
    } finally {
      c.close(fd);
    }
  }
}
