package io.sifkube.sys;

import com.sun.jna.LastErrorException;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The system calls Sifkube makes, through JNA. This package is the only place that touches native
 * code; everything else calls these methods and gets {@link SyscallException}s naming the
 * operation, the path and the errno.
 */
public final class Syscalls {

  public static final long MS_RDONLY = 1;
  public static final long MS_NOSUID = 2;
  public static final long MS_NODEV = 4;
  public static final long MS_REC = 0x4000;
  public static final long MS_PRIVATE = 1 << 18;

  private Syscalls() {}

  /**
   * Binds libc on a background thread, for a caller that will make system calls soon but has other
   * work first. JNA's first use costs a one-shot {@code sifctl exec} some 35 ms on a busy core (its
   * native library, and java.util.logging's start, about 30 of them, which looks for logger
   * services in every jar); on a second core it overlaps reading the image. The first system call
   * waits for it if it has not finished, and a failure to load shows there, where it is reported.
   * With {@code seccomp}, libseccomp follows (3-4 ms more, for a caller that will compile or look
   * up a filter: {@link SeccompBpf#libraryVersion}).
   */
  public static void loadInBackground(boolean seccomp) {
    Thread t =
        new Thread(
            () -> {
              try {
                LibC.INSTANCE.getClass();
                if (seccomp) {
                  SeccompBpf.libraryVersion();
                }
              } catch (Throwable e) {
                // the first system call on the calling thread meets and reports the same failure
              }
            },
            "libc-loader");
    t.setDaemon(true);
    t.start();
  }

  /**
   * Mounts the file system stored at {@code offset}..{@code offset+size} of {@code file} at {@code
   * target} through a loop device, which the kernel frees again on unmount.
   */
  public static void mountLoop(
      Path file, long offset, long size, String fstype, boolean readOnly, Path target)
      throws SyscallException {
    Loop.Device dev = Loop.attach(file, offset, size, readOnly);
    try {
      mount(dev.path(), target, fstype, (readOnly ? MS_RDONLY : 0) | MS_NODEV, null);
    } finally {
      // The mount holds the device now; with auto-clear it goes when the mount does.
      LibC.INSTANCE.close(dev.fd());
    }
  }

  public static void mount(String source, Path target, String fstype, long flags, String data)
      throws SyscallException {
    try {
      LibC.INSTANCE.mount(source, target.toString(), fstype, flags, data);
    } catch (LastErrorException e) {
      throw new SyscallException(
          "mount " + fstype + " " + source + " at", target.toString(), e.getErrorCode());
    }
  }

  public static void umount(Path target) throws SyscallException {
    try {
      LibC.INSTANCE.umount2(target.toString(), 0);
    } catch (LastErrorException e) {
      throw new SyscallException("umount", target.toString(), e.getErrorCode());
    }
  }

  /**
   * Moves the calling thread into a mount namespace of its own in which nothing propagates back to
   * the host's: what it mounts afterwards is seen by it and the processes it starts or becomes
   * only, and goes away with the namespace when the last of them exits — loop devices with it, as
   * they auto-clear. (Namespaces belong to threads: other threads of this JVM stay where they are.)
   */
  public static void privateMountNamespace() throws SyscallException {
    try {
      LibC.INSTANCE.unshare(LibC.CLONE_NEWNS);
    } catch (LastErrorException e) {
      throw new SyscallException("unshare", "the mount namespace", e.getErrorCode());
    }
    try {
      LibC.INSTANCE.mount(null, "/", null, MS_REC | MS_PRIVATE, null);
    } catch (LastErrorException e) {
      throw new SyscallException("making mounts private under", "/", e.getErrorCode());
    }
  }

  /**
   * Replaces this process with {@code argv} (execve(2)), with {@code env} as its environment and
   * only standard input, output and error open: every other descriptor this JVM holds is marked
   * close-on-exec first, and the signal mask is cleared, as a new process would have it. The other
   * threads of the JVM end with the exec. Returns only when the exec failed, with the reason.
   */
  public static SyscallException exec(List<String> argv, Map<String, String> env) {
    List<String> envp = envp(env);
    try {
      closeOnExec();
    } catch (IOException e) {
      return new SyscallException("listing", "/proc/thread-self/fd", 5 /* EIO */);
    } catch (LastErrorException e) {
      return new SyscallException("fcntl FD_CLOEXEC on", "a descriptor", e.getErrorCode());
    }
    try {
      LibC.INSTANCE.sigprocmask(LibC.SIG_SETMASK, new byte[128], null);
      LibC.INSTANCE.execve(argv.get(0), argv.toArray(new String[0]), envp.toArray(new String[0]));
      return new SyscallException("execve", argv.get(0), 0); // returns only on failure
    } catch (LastErrorException e) {
      return new SyscallException("execve", argv.get(0), e.getErrorCode());
    }
  }

  /** {@code env} as execve wants it: NAME=VALUE strings. */
  public static List<String> envp(Map<String, String> env) {
    List<String> envp = new ArrayList<>(env.size());
    for (Map.Entry<String, String> e : env.entrySet()) {
      envp.add(e.getKey() + "=" + e.getValue());
    }
    return envp;
  }

  private static void closeOnExec() throws IOException {
    List<Integer> fds = new ArrayList<>();
    try (DirectoryStream<Path> dir = Files.newDirectoryStream(Path.of("/proc/thread-self/fd"))) {
      for (Path p : dir) {
        int fd = Integer.parseInt(p.getFileName().toString());
        if (fd > 2) {
          fds.add(fd);
        }
      }
    }
    for (int fd : fds) {
      try {
        LibC.INSTANCE.fcntl(fd, LibC.F_SETFD, LibC.FD_CLOEXEC);
      } catch (LastErrorException e) {
        if (e.getErrorCode() != 9) { // EBADF: the directory stream's own, closed since
          throw e;
        }
      }
    }
  }
}
