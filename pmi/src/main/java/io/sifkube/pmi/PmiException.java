package io.sifkube.pmi;

/** A PMI job that cannot go on: a rank broke the protocol, aborted or never arrived. */
public final class PmiException extends Exception {
  public PmiException(String message) {
    super(message);
  }
}
