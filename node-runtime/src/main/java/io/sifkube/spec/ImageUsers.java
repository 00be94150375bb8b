package io.sifkube.spec;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Resolves an image USER ({@code name}, {@code uid}, {@code name:group}, {@code uid:gid}) against
 * the image's {@code /etc/passwd} and {@code /etc/group}, as container engines do. Pure: callers
 * pass the files' contents (empty when the image has none).
 */
public final class ImageUsers {

  private static final long MAX_ID = 0xFFFF_FFFEL;

  /**
   * A resolved user.
   *
   * @param uid user id
   * @param gid primary group id
   * @param home home directory from passwd, or "/" when unknown
   * @param additionalGids supplementary groups the user belongs to
   */
  public record User(long uid, long gid, String home, List<Long> additionalGids) {}

  private ImageUsers() {}

  /**
   * Resolves {@code spec}; an empty or null spec is root.
   *
   * @throws IllegalArgumentException naming the user or group that cannot be resolved
   */
  public static User resolve(String spec, String passwd, String group) {
    if (spec == null || spec.isBlank()) {
      spec = "0";
    }
    String[] parts = spec.split(":", 2);
    String userPart = parts[0];
    long uid;
    long gid;
    String home = "/";
    Optional<String[]> entry = find(passwd, userPart, 0, 2);
    if (isNumber(userPart)) {
      uid = id(userPart, "uid");
      gid = entry.map(e -> id(e[3], "gid")).orElse(0L);
      home = entry.map(e -> e[5]).orElse("/");
    } else {
      String[] e =
          entry.orElseThrow(
              () ->
                  new IllegalArgumentException(
                      "user \"" + userPart + "\" is not in the image's /etc/passwd"));
      uid = id(e[2], "uid");
      gid = id(e[3], "gid");
      home = e[5];
    }
    if (parts.length == 2) {
      String g = parts[1];
      if (isNumber(g)) {
        gid = id(g, "gid");
      } else {
        String[] ge =
            find(group, g, 0, 2)
                .orElseThrow(
                    () ->
                        new IllegalArgumentException(
                            "group \"" + g + "\" is not in the image's /etc/group"));
        gid = id(ge[2], "gid");
      }
    }
    String name = entry.map(e -> e[0]).orElse(null);
    List<Long> extra = new ArrayList<>();
    if (name != null) {
      for (String line : group.split("\n")) {
        String[] ge = line.split(":", -1);
        if (ge.length >= 4 && List.of(ge[3].split(",")).contains(name) && isNumber(ge[2])) {
          long g = Long.parseLong(ge[2]);
          if (g != gid && !extra.contains(g)) {
            extra.add(g);
          }
        }
      }
    }
    return new User(uid, gid, home.isEmpty() ? "/" : home, List.copyOf(extra));
  }

  /** The entry whose field {@code nameField} (or, for numbers, {@code idField}) matches. */
  private static Optional<String[]> find(String file, String key, int nameField, int idField) {
    for (String line : file.split("\n")) {
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      String[] f = line.split(":", -1);
      if (f.length < (nameField == 0 && idField == 2 ? 4 : 3)) {
        continue;
      }
      if (f[nameField].equals(key) || (isNumber(key) && f[idField].equals(key))) {
        return Optional.of(f.length >= 7 ? f : pad(f));
      }
    }
    return Optional.empty();
  }

  private static String[] pad(String[] f) {
    String[] out = new String[7];
    for (int i = 0; i < 7; i++) {
      out[i] = i < f.length ? f[i] : "";
    }
    return out;
  }

  private static boolean isNumber(String s) {
    return !s.isEmpty() && s.chars().allMatch(Character::isDigit);
  }

  private static long id(String s, String what) {
    if (!isNumber(s) || s.length() > 10 || Long.parseLong(s) > MAX_ID) {
      throw new IllegalArgumentException(
          what + " \"" + s + "\" is not a valid id (0.." + MAX_ID + ")");
    }
    return Long.parseLong(s);
  }
}
