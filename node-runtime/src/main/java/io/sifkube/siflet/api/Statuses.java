package io.sifkube.siflet.api;

import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.stub.StreamObserver;
import io.sifkube.image.ImageException;
import io.sifkube.runtime.ContainerException;
import io.sifkube.sif.SifException;
import io.sifkube.siflet.SifletException;
import java.util.function.Consumer;

/**
 * The one place where siflet's failures become gRPC statuses. Refusals of the request keep their
 * message (it names the object and field); anything unexpected is logged and answered INTERNAL.
 */
final class Statuses {

  private Statuses() {}

  /** A call body that may fail with any of our exceptions. */
  interface Body<R> {
    R run() throws Exception;
  }

  /** Runs a unary call: its one answer, or the status its failure maps to. */
  static <R> void answer(StreamObserver<R> out, Consumer<String> log, Body<R> body) {
    R r;
    try {
      r = body.run();
    } catch (Exception e) {
      out.onError(toStatus(e, log));
      return;
    }
    out.onNext(r);
    out.onCompleted();
  }

  static StatusException toStatus(Throwable t, Consumer<String> log) {
    Status s = status(t);
    if (s.getCode() == Status.Code.INTERNAL) {
      log.accept("internal error: " + t);
    }
    return s.withDescription(t.getMessage() == null ? t.toString() : t.getMessage()).asException();
  }

  private static Status status(Throwable t) {
    if (t instanceof SifletException e) {
      return switch (e.kind()) {
        case INVALID_ARGUMENT -> Status.INVALID_ARGUMENT;
        case NOT_FOUND -> Status.NOT_FOUND;
        case FAILED_PRECONDITION -> Status.FAILED_PRECONDITION;
      };
    }
    if (t instanceof ImageException e) {
      return switch (e.reason()) {
        case INVALID -> Status.INVALID_ARGUMENT;
        case NOT_FOUND -> Status.NOT_FOUND;
        case UNAUTHORIZED -> Status.UNAUTHENTICATED;
        case DIGEST_MISMATCH, UNSAFE_LAYER -> Status.DATA_LOSS;
        case TOO_LARGE -> Status.RESOURCE_EXHAUSTED;
        case UNSUPPORTED -> Status.FAILED_PRECONDITION;
        case UNAVAILABLE -> Status.UNAVAILABLE;
        case IO -> Status.INTERNAL;
      };
    }
    if (t instanceof SifException) {
      return Status.DATA_LOSS; // a cached OCI-SIF that does not read back
    }
    if (t instanceof ContainerException && t.getCause() instanceof IllegalArgumentException) {
      return Status.INVALID_ARGUMENT; // the spec refused the options against the image
    }
    if (t instanceof IllegalArgumentException) {
      return Status.INVALID_ARGUMENT;
    }
    return Status.INTERNAL;
  }
}
