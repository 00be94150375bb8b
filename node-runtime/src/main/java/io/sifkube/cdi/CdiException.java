package io.sifkube.cdi;

/**
 * Bad CDI input: a spec file, a device name or a request that cannot be met. The message names the
 * object (file and field, or device) and what is wrong. An {@link IllegalArgumentException}, so
 * that callers that refuse bad options already refuse these the same way.
 */
public class CdiException extends IllegalArgumentException {

  public CdiException(String message) {
    super(message);
  }
}
