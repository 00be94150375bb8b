package io.sifkube.siflet;

import java.io.IOException;

/**
 * A request siflet refuses, with the kind of refusal that decides its gRPC status. The message
 * names the object and the field.
 */
public final class SifletException extends IOException {

  /** Why the request is refused. */
  public enum Kind {
    /** A field is malformed or missing. */
    INVALID_ARGUMENT,
    /** No such container or image. */
    NOT_FOUND,
    /** The object is not in a state for this request (an image in use, a container running). */
    FAILED_PRECONDITION
  }

  private final Kind kind;

  public SifletException(Kind kind, String message) {
    super(message);
    this.kind = kind;
  }

  public Kind kind() {
    return kind;
  }

  public static SifletException invalid(String message) {
    return new SifletException(Kind.INVALID_ARGUMENT, message);
  }

  public static SifletException notFound(String message) {
    return new SifletException(Kind.NOT_FOUND, message);
  }

  public static SifletException precondition(String message) {
    return new SifletException(Kind.FAILED_PRECONDITION, message);
  }
}
