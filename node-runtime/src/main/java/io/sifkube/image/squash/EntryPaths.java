package io.sifkube.image.squash;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Cleaning and checking of tar entry names, which come from untrusted layers. */
final class EntryPaths {

  private EntryPaths() {}

  /**
   * The entry name relative to the root, without {@code ./}, duplicate or trailing slashes: {@code
   * ./usr//bin/} → {@code usr/bin}. The root itself ({@code ./}, {@code /}) cleans to the empty
   * string.
   *
   * @return empty when the name is absolute or climbs out of the root ({@code ..})
   */
  static Optional<String> clean(String name) {
    if (name.matches("/+")) {
      return Optional.of(""); // some tools (umoci insert) name the root entry "/"
    }
    if (name.startsWith("/") || name.indexOf('\0') >= 0) {
      return Optional.empty();
    }
    List<String> parts = new ArrayList<>();
    for (String p : name.split("/")) {
      if (p.isEmpty() || p.equals(".")) {
        continue;
      }
      if (p.equals("..")) {
        return Optional.empty();
      }
      parts.add(p);
    }
    return Optional.of(String.join("/", parts));
  }

  /** The parent of a cleaned path; the root's children have parent "". */
  static String parent(String path) {
    int slash = path.lastIndexOf('/');
    return slash < 0 ? "" : path.substring(0, slash);
  }

  static String base(String path) {
    return path.substring(path.lastIndexOf('/') + 1);
  }

  /** The strict ancestors of a cleaned path, nearest first ({@code a/b/c} → {@code a/b, a}). */
  static List<String> ancestors(String path) {
    List<String> out = new ArrayList<>();
    for (int i = path.lastIndexOf('/'); i > 0; i = path.lastIndexOf('/', i - 1)) {
      out.add(path.substring(0, i));
    }
    return out;
  }

  static String join(String dir, String name) {
    return dir.isEmpty() ? name : dir + "/" + name;
  }
}
