package io.sifkube.cli;

/** Progress lines in SingularityCE's style ({@code INFO: …}), on standard error. */
final class Info {
  private Info() {}

  static void line(String text) {
    System.err.println("INFO:    " + text);
  }

  static void warn(String text) {
    System.err.println("WARNING: " + text);
  }
}
