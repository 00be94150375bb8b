package io.sifkube.cdi;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The spec files of a list of directories, read into an {@link Inventory}. The directories' order
 * is their priority: a later one overrides an earlier one (the default lists the static {@code
 * /etc/cdi} before the generated {@code /var/run/cdi}). Only regular files (symlinks followed)
 * whose names end in {@code .json} or {@code .yaml} are read, in name order, without going into
 * subdirectories; a missing directory is skipped, an unreadable one reported and skipped (the
 * reference stops scanning there; later directories are still read here).
 *
 * <p>A {@link #scan} reads only the files that changed since the last one (size, modification and
 * change times, inode) or changed too recently to tell, so a warm scan of many files costs their
 * {@code stat}s.
 */
public final class CdiRegistry {

  /** SingularityCE's and the reference's default directories, lowest priority first. */
  public static final List<Path> DEFAULT_DIRS =
      List.of(Path.of("/etc/cdi"), Path.of("/var/run/cdi"));

  private record Key(long size, Object modified, Object changed, Object inode) {}

  /**
   * A file as last read: its key, when it was read, and the spec or why it could not be used. It is
   * read again, whatever its key, while its last change is too recent to rule out another in the
   * same tick of the file system's clock (a same-size rewrite would keep the key).
   */
  private record Read(Key key, long readAt, CdiSpec spec, String error) {
    boolean settled() {
      return key != null
          && readAt - ((FileTime) key.modified()).toMillis() > InventoryCache.SETTLE_MILLIS;
    }
  }

  private final List<Path> dirs;
  private final Map<Path, Read> files = new HashMap<>();

  public CdiRegistry(List<Path> dirs) {
    this.dirs = List.copyOf(dirs);
  }

  /** The directories, lowest priority first. */
  public List<Path> dirs() {
    return dirs;
  }

  /**
   * Parses a {@code --cdi-dirs} value: comma-separated directories, which replace the defaults.
   *
   * @throws CdiException when it names no directory or a relative one
   */
  public static List<Path> parseDirs(String option, List<String> values) {
    List<Path> out = new ArrayList<>();
    for (String v : values) {
      for (String d : v.split(",", -1)) {
        if (d.isBlank() || !d.strip().startsWith("/")) {
          throw new CdiException(
              option + ": \"" + d + "\" is not an absolute directory (DIR[,DIR...])");
        }
        out.add(Path.of(d.strip()).normalize());
      }
    }
    if (out.isEmpty()) {
      throw new CdiException(option + ": no directory given");
    }
    return out;
  }

  /** Reads what changed and returns the inventory of every directory now. */
  public synchronized Inventory scan() {
    List<CdiSpec> specs = new ArrayList<>();
    List<Inventory.SpecError> errors = new ArrayList<>();
    Map<Path, Read> seen = new HashMap<>();
    for (int priority = 0; priority < dirs.size(); priority++) {
      Path dir = dirs.get(priority);
      List<Path> names = new ArrayList<>();
      try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
        for (Path p : ds) {
          String n = p.getFileName().toString();
          if ((n.endsWith(".json") || n.endsWith(".yaml")) && Files.isRegularFile(p)) {
            names.add(p);
          }
        }
      } catch (NoSuchFileException | NotDirectoryException e) {
        continue;
      } catch (IOException e) {
        errors.add(new Inventory.SpecError(dir.toString(), "cannot read directory: " + e));
        continue;
      }
      names.sort(null);
      for (Path p : names) {
        Read r = read(p, priority);
        seen.put(p, r);
        if (r.spec() != null) {
          specs.add(r.spec());
        } else if (r.error() != null) {
          errors.add(new Inventory.SpecError(p.toString(), r.error()));
        }
      }
    }
    files.keySet().retainAll(seen.keySet());
    files.putAll(seen);
    return Inventory.of(specs, errors);
  }

  private Read read(Path p, int priority) {
    Key key;
    try {
      Map<String, Object> a = Files.readAttributes(p, "unix:size,lastModifiedTime,ctime,ino");
      key = new Key((Long) a.get("size"), a.get("lastModifiedTime"), a.get("ctime"), a.get("ino"));
    } catch (IOException e) {
      return new Read(null, 0, null, null); // gone between the listing and now
    }
    Read old = files.get(p);
    if (old != null && Objects.equals(old.key(), key) && old.settled()) {
      if (old.spec() != null && old.spec().priority() != priority) {
        return new Read(key, old.readAt(), old.spec().withPriority(priority), null);
      }
      return old;
    }
    long now = System.currentTimeMillis();
    if (key.size() > SpecReader.MAX_BYTES) {
      return new Read(key, now, null, "larger than " + (SpecReader.MAX_BYTES >> 20) + " MiB");
    }
    try {
      byte[] bytes = Files.readAllBytes(p);
      return new Read(key, now, SpecReader.parse(p.toString(), bytes, priority), null);
    } catch (CdiException e) {
      return new Read(key, now, null, e.getMessage());
    } catch (IOException e) {
      return new Read(key, now, null, "cannot read: " + e);
    }
  }
}
