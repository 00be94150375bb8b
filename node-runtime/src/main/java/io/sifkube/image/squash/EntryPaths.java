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
    int n = name.length();
    if (n > 0 && name.charAt(0) == '/') {
      for (int i = 1; i < n; i++) {
        if (name.charAt(i) != '/') {
          return Optional.empty();
        }
      }
      return Optional.of(""); // some tools (umoci insert) name the root entry "/"
    }
    // One pass over the components; a copy is made only once one is dropped (most names from a
    // layer are clean already). Every entry of every layer comes through here: the split-and-join
    // this replaces was among the longest compilations of a pull.
    StringBuilder out = null;
    int kept = 0; // end of the name's clean prefix, while nothing was dropped
    int start = 0;
    for (int i = 0; i <= n; i++) {
      char c = i < n ? name.charAt(i) : '/';
      if (c == '\0') {
        return Optional.empty();
      }
      if (c != '/') {
        continue;
      }
      int len = i - start;
      if (len == 2 && name.charAt(start) == '.' && name.charAt(start + 1) == '.') {
        return Optional.empty();
      }
      if (len == 0 || (len == 1 && name.charAt(start) == '.')) {
        if (out == null) {
          out = new StringBuilder(n).append(name, 0, kept);
        }
      } else if (out == null) {
        kept = i;
      } else {
        if (!out.isEmpty()) {
          out.append('/');
        }
        out.append(name, start, i);
      }
      start = i + 1;
    }
    return Optional.of(out == null ? name : out.toString());
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
