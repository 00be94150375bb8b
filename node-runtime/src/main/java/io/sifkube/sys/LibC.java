package io.sifkube.sys;

import com.sun.jna.Function;
import com.sun.jna.LastErrorException;
import com.sun.jna.NativeLibrary;

/**
 * The libc calls Sifkube makes through JNA. Only this package may use it.
 *
 * <p>Each call goes to a JNA {@link Function} (which JNA keeps after its first lookup), not through
 * a {@code Library} interface: JNA implements an interface with a dynamic proxy class, generated at
 * every start, and binding libc that way took 22-40 ms of a cold JVM where these functions took 7-9
 * (JDK 25, four alternating starts, 2026-12-07): a one-shot {@code sifctl exec} waited for it
 * before its first mount. The calls convert their arguments and check errno as the interface's did
 * ({@link LastErrorException} where errno is set).
 */
final class LibC {

  static final LibC INSTANCE = new LibC();

  static final int AF_UNIX = 1;
  static final int SOCK_SEQPACKET = 5;
  static final int SOCK_CLOEXEC = 0x80000;
  static final int SHUT_WR = 1;
  static final int O_RDONLY = 0;
  static final int O_RDWR = 2;
  static final int O_CLOEXEC = 0x80000;
  static final int MFD_CLOEXEC = 1;
  static final int MFD_ALLOW_SEALING = 2;
  static final int F_ADD_SEALS = 1033;
  static final int F_GET_SEALS = 1034;
  static final int F_SEAL_SEAL = 1;
  static final int F_SEAL_SHRINK = 2;
  static final int F_SEAL_GROW = 4;
  static final int F_SEAL_WRITE = 8;
  static final int SEEK_SET = 0;
  static final int CLONE_NEWNS = 0x00020000;
  static final int F_SETFD = 2;
  static final int FD_CLOEXEC = 1;
  static final int SIG_SETMASK = 2;

  private final NativeLibrary lib;

  private LibC() {
    lib = NativeLibraries.bySoname("libc.so.6");
  }

  /** The function {@code name}, throwing {@link LastErrorException} where it sets errno. */
  private Function f(String name) {
    return lib.getFunction(name, Function.THROW_LAST_ERROR);
  }

  int socket(int domain, int type, int protocol) throws LastErrorException {
    return f("socket").invokeInt(new Object[] {domain, type, protocol});
  }

  int connect(int fd, byte[] address, int length) throws LastErrorException {
    return f("connect").invokeInt(new Object[] {fd, address, length});
  }

  long read(int fd, byte[] buffer, long count) throws LastErrorException {
    return f("read").invokeLong(new Object[] {fd, buffer, count});
  }

  long write(int fd, byte[] buffer, long count) throws LastErrorException {
    return f("write").invokeLong(new Object[] {fd, buffer, count});
  }

  int close(int fd) throws LastErrorException {
    return f("close").invokeInt(new Object[] {fd});
  }

  int shutdown(int fd, int how) throws LastErrorException {
    return f("shutdown").invokeInt(new Object[] {fd, how});
  }

  int open(String path, int flags) throws LastErrorException {
    return f("open").invokeInt(new Object[] {path, flags});
  }

  int ioctl(int fd, long request, long arg) throws LastErrorException {
    return f("ioctl").invokeInt(new Object[] {fd, request, arg});
  }

  int ioctl(int fd, long request, byte[] arg) throws LastErrorException {
    return f("ioctl").invokeInt(new Object[] {fd, request, arg});
  }

  int mount(String source, String target, String fstype, long flags, String data)
      throws LastErrorException {
    return f("mount").invokeInt(new Object[] {source, target, fstype, flags, data});
  }

  int umount2(String target, int flags) throws LastErrorException {
    return f("umount2").invokeInt(new Object[] {target, flags});
  }

  int memfd_create(String name, int flags) throws LastErrorException {
    return f("memfd_create").invokeInt(new Object[] {name, flags});
  }

  long lseek(int fd, long offset, int whence) throws LastErrorException {
    return f("lseek").invokeLong(new Object[] {fd, offset, whence});
  }

  int fcntl(int fd, int cmd, int arg) throws LastErrorException {
    return f("fcntl").invokeInt(new Object[] {fd, cmd, arg});
  }

  int unshare(int flags) throws LastErrorException {
    return f("unshare").invokeInt(new Object[] {flags});
  }

  /** {@code set} and {@code old} are sigset_t buffers (128 bytes on Linux); old may be null. */
  int sigprocmask(int how, byte[] set, byte[] old) throws LastErrorException {
    return f("sigprocmask").invokeInt(new Object[] {how, set, old});
  }

  /** argv and envp as JNA passes String[]: NULL-terminated arrays of C strings. */
  int execve(String path, String[] argv, String[] envp) throws LastErrorException {
    return f("execve").invokeInt(new Object[] {path, argv, envp});
  }

  /** strerror never sets errno worth reporting: looked up without the check. */
  String strerror(int errno) {
    return lib.getFunction("strerror").invokeString(new Object[] {errno}, false);
  }
}
