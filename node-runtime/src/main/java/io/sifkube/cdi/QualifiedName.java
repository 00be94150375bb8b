package io.sifkube.cdi;

/**
 * A fully qualified CDI device name, {@code vendor/class=name}, validated to the grammar of the
 * reference parser (pkg/parser): vendor and class start with a letter, end with a letter or digit
 * and hold letters, digits, {@code _ - .} between; a device name starts and ends with a letter or
 * digit and may also hold {@code :} (MIG-style {@code 0:1}). The name splits at the first {@code
 * =}, the kind at the first {@code /}. Only ASCII letters and digits count.
 */
public record QualifiedName(String vendor, String cls, String name) {

  /** {@code vendor/class}, the spec file's {@code kind}. */
  public String kind() {
    return vendor + "/" + cls;
  }

  @Override
  public String toString() {
    return vendor + "/" + cls + "=" + name;
  }

  /**
   * Parses and checks {@code text}.
   *
   * @throws CdiException saying which part is missing or malformed
   */
  public static QualifiedName parse(String text) {
    String why = problem(text);
    if (why != null) {
      throw new CdiException(
          "\"" + text + "\" is not a CDI device name (vendor/class=name): " + why);
    }
    int eq = text.indexOf('=');
    int slash = text.indexOf('/');
    return new QualifiedName(
        text.substring(0, slash), text.substring(slash + 1, eq), text.substring(eq + 1));
  }

  /** Whether {@code text} is a valid qualified name. */
  public static boolean isQualified(String text) {
    return problem(text) == null;
  }

  /** What is wrong with {@code text} as a qualified name, or null. */
  static String problem(String text) {
    if (text.isEmpty()) {
      return "empty";
    }
    if (text.charAt(0) == '/') {
      return "a device path, not a name";
    }
    int eq = text.indexOf('=');
    if (eq <= 0 || eq == text.length() - 1) {
      return eq < 0 ? "no '='" : eq == 0 ? "no vendor/class before '='" : "no name after '='";
    }
    String kind = text.substring(0, eq);
    int slash = kind.indexOf('/');
    if (slash <= 0 || slash == kind.length() - 1) {
      return "no vendor/class before '='";
    }
    String why = kindProblem(kind.substring(0, slash), kind.substring(slash + 1));
    return why != null ? why : nameProblem(text.substring(eq + 1));
  }

  /** What is wrong with {@code vendor} and {@code cls} of a kind, or null. */
  static String kindProblem(String vendor, String cls) {
    String v = vendorOrClassProblem(vendor);
    if (v != null) {
      return "vendor " + v;
    }
    String c = vendorOrClassProblem(cls);
    return c == null ? null : "class " + c;
  }

  private static String vendorOrClassProblem(String s) {
    if (s.isEmpty()) {
      return "is empty";
    }
    if (!letter(s.charAt(0))) {
      return "\"" + s + "\" must start with a letter";
    }
    for (int i = 1; i < s.length() - 1; i++) {
      char c = s.charAt(i);
      if (!alnum(c) && c != '_' && c != '-' && c != '.') {
        return "\"" + s + "\" holds '" + c + "' (letters, digits, '_', '-', '.' only)";
      }
    }
    if (!alnum(s.charAt(s.length() - 1))) {
      return "\"" + s + "\" must end with a letter or digit";
    }
    return null;
  }

  /** What is wrong with a device {@code name}, or null. */
  static String nameProblem(String s) {
    if (s.isEmpty()) {
      return "the device name is empty";
    }
    if (!alnum(s.charAt(0))) {
      return "device name \"" + s + "\" must start with a letter or digit";
    }
    for (int i = 1; i < s.length() - 1; i++) {
      char c = s.charAt(i);
      if (!alnum(c) && c != '_' && c != '-' && c != '.' && c != ':') {
        return "device name \"" + s + "\" holds '" + c + "' (letters, digits, '_', '-', '.', ':')";
      }
    }
    if (!alnum(s.charAt(s.length() - 1))) {
      return "device name \"" + s + "\" must end with a letter or digit";
    }
    return null;
  }

  static boolean letter(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
  }

  static boolean alnum(char c) {
    return letter(c) || (c >= '0' && c <= '9');
  }
}
