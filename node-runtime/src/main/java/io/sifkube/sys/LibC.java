package io.sifkube.sys;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Native;

/** The libc calls Sifkube makes through JNA. Only this package may use it. */
interface LibC extends Library {

  LibC INSTANCE = load();

  /**
   * Loads glibc by its soname, which the dynamic loader finds without a search path, and tells JNA
   * it needs none: otherwise JNA's first library runs {@code ldconfig -p} to learn the system's
   * library directories, a process spawn that was a tenth of a short {@code sifctl exec}.
   */
  private static LibC load() {
    System.getProperties().putIfAbsent("jna.platform.library.path", "");
    return Native.load("libc.so.6", LibC.class);
  }

  int AF_UNIX = 1;
  int SOCK_SEQPACKET = 5;
  int SOCK_CLOEXEC = 0x80000;

  int socket(int domain, int type, int protocol) throws LastErrorException;

  int connect(int fd, byte[] address, int length) throws LastErrorException;

  long read(int fd, byte[] buffer, long count) throws LastErrorException;

  long write(int fd, byte[] buffer, long count) throws LastErrorException;

  int close(int fd) throws LastErrorException;

  int SHUT_WR = 1;

  int shutdown(int fd, int how) throws LastErrorException;

  int O_RDONLY = 0;
  int O_RDWR = 2;
  int O_CLOEXEC = 0x80000;

  int open(String path, int flags) throws LastErrorException;

  int ioctl(int fd, long request, long arg) throws LastErrorException;

  int ioctl(int fd, long request, byte[] arg) throws LastErrorException;

  int mount(String source, String target, String fstype, long flags, String data)
      throws LastErrorException;

  int umount2(String target, int flags) throws LastErrorException;

  int MFD_CLOEXEC = 1;
  int MFD_ALLOW_SEALING = 2;
  int F_ADD_SEALS = 1033;
  int F_GET_SEALS = 1034;
  int F_SEAL_SEAL = 1;
  int F_SEAL_SHRINK = 2;
  int F_SEAL_GROW = 4;
  int F_SEAL_WRITE = 8;

  int memfd_create(String name, int flags) throws LastErrorException;

  int SEEK_SET = 0;

  long lseek(int fd, long offset, int whence) throws LastErrorException;

  int fcntl(int fd, int cmd, int arg) throws LastErrorException;

  int CLONE_NEWNS = 0x00020000;

  int unshare(int flags) throws LastErrorException;

  int F_SETFD = 2;
  int FD_CLOEXEC = 1;
  int SIG_SETMASK = 2;

  /** {@code set} and {@code old} are sigset_t buffers (128 bytes on Linux); old may be null. */
  int sigprocmask(int how, byte[] set, byte[] old) throws LastErrorException;

  /** argv and envp as JNA passes String[]: NULL-terminated arrays of C strings. */
  int execve(String path, String[] argv, String[] envp) throws LastErrorException;

  String strerror(int errno);
}
