package io.sifkube.cli;

/** A user-facing failure whose message is complete as it stands (no class name, no trace). */
public final class CliException extends Exception {
  public CliException(String message) {
    super(message);
  }

  public CliException(String message, Throwable cause) {
    super(message, cause);
  }
}
