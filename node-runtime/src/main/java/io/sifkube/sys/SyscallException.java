package io.sifkube.sys;

import java.io.IOException;

/** A failed system call: what was being done, on what, and the errno's meaning. */
public final class SyscallException extends IOException {
  private final int errno;

  SyscallException(String operation, String target, int errno) {
    super(
        operation + " " + target + ": " + LibC.INSTANCE.strerror(errno) + " (errno " + errno + ")");
    this.errno = errno;
  }

  public int errno() {
    return errno;
  }
}
