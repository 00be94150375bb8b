package io.sifkube.image;

import java.io.IOException;

/**
 * The one error type of image handling (references, registries, layers, the cache). The message
 * names the image and, where there is one, the blob and the entry; {@link #reason()} says what kind
 * of failure it is, and {@link #isTemporary()} whether trying again may help.
 */
public final class ImageException extends IOException {

  /** What went wrong. */
  public enum Reason {
    /** The reference, source or a document in it is malformed or ambiguous. */
    INVALID,
    /** The registry or source has no such repository, tag, manifest or blob. */
    NOT_FOUND,
    /** The registry refused our credentials, or asked for some we do not have. */
    UNAUTHORIZED,
    /** Content did not match the digest it was fetched by. */
    DIGEST_MISMATCH,
    /** A layer holds an entry that would escape or corrupt the root file system. */
    UNSAFE_LAYER,
    /** A layer expands beyond the configured bytes or entry count. */
    TOO_LARGE,
    /** A media type, platform or feature we do not handle. */
    UNSUPPORTED,
    /** The registry or network failed in a way that may pass (5xx, 429, resets). */
    UNAVAILABLE,
    /** A local tool or file operation failed. */
    IO
  }

  private final Reason reason;

  public ImageException(Reason reason, String message) {
    super(message);
    this.reason = reason;
  }

  public ImageException(Reason reason, String message, Throwable cause) {
    super(message, cause);
    this.reason = reason;
  }

  public Reason reason() {
    return reason;
  }

  /** True when the same request may succeed later. */
  public boolean isTemporary() {
    return reason == Reason.UNAVAILABLE;
  }
}
