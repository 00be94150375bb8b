package io.sifkube.sif;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * The one error type of the SIF library: a file that is not a valid SIF (or OCI-SIF), an operation
 * the file cannot take, or an I/O failure while reading or writing it. The message always names the
 * file and the problem; {@link #reason()} says which kind of problem it is.
 */
public final class SifException extends IOException {

  /** What went wrong, for callers that react differently (exit codes, gRPC status, conditions). */
  public enum Reason {
    /** The file is shorter than its header or tables say. */
    TRUNCATED,
    /** The magic bytes are not {@code SIF_MAGIC}. */
    BAD_MAGIC,
    /** The format version is not the one this library reads. */
    BAD_VERSION,
    /** A header or descriptor field is out of range or inconsistent. */
    CORRUPT,
    /** An object lies (partly) outside the file or overlaps another. */
    BAD_LAYOUT,
    /** No object has the requested ID, or no object matches. */
    NOT_FOUND,
    /** The caller asked for something the file or the format cannot do. */
    INVALID_ARGUMENT,
    /** All descriptor slots are in use. */
    FULL,
    /** Data does not match the digest it is stored or referenced under. */
    DIGEST_MISMATCH,
    /** The SIF is valid but not an OCI-SIF the reader understands. */
    NOT_OCI_SIF,
    /** The operating system failed a read or write. */
    IO
  }

  private final transient Path file;
  private final Reason reason;

  public SifException(Path file, Reason reason, String problem) {
    this(file, reason, problem, null);
  }

  public SifException(Path file, Reason reason, String problem, Throwable cause) {
    super(file + ": " + problem, cause);
    this.file = file;
    this.reason = reason;
  }

  /** Wraps an I/O failure on {@code file}, keeping the operating system's message. */
  public static SifException io(Path file, String doing, IOException e) {
    if (e instanceof SifException se) {
      return se;
    }
    return new SifException(file, Reason.IO, doing + ": " + describe(e), e);
  }

  /** The operating system's reason, without the path that {@link FileSystemException} repeats. */
  private static String describe(IOException e) {
    if (e instanceof NoSuchFileException) {
      return "no such file or directory";
    }
    if (e instanceof AccessDeniedException) {
      return "permission denied";
    }
    if (e instanceof FileSystemException fse && fse.getReason() != null) {
      return fse.getReason();
    }
    return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
  }

  public Path file() {
    return file;
  }

  public Reason reason() {
    return reason;
  }
}
