package io.sifkube.runtime;

import java.io.IOException;

/**
 * The error type of running containers: a mount, the OCI runtime, the host or the run options
 * failed. The message says what was being done and why it failed.
 */
public final class ContainerException extends IOException {
  public ContainerException(String message) {
    super(message);
  }

  public ContainerException(String message, Throwable cause) {
    super(message, cause);
  }
}
