package io.sifkube.cdi;

import io.sifkube.image.oci.Digest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What the spec directories offered at the last look, kept on disk for one-shot processes ({@code
 * sifctl run --device}), which cannot keep a {@link CdiRegistry} between runs. Measured on this
 * project's 2-core machine with 100 spec files: reading them all cost a {@code sifctl exec} ~120 ms
 * (~60 ms of it loading the YAML parser), against a budget of 5 % of the run, some 6 ms.
 *
 * <p>An index per directory list ({@code cdi-HASH.idx}) records each spec file by name, directory,
 * device and inode, size and modification time, with its digest, version, kind and device names, or
 * why it cannot be used; each usable spec is kept, as checked, in {@link SpecCodec}'s bytes named
 * by the digest of the original file ({@code specs/SHA256.spec}). When every file listed now
 * matches the index, the inventory is rebuilt from it for the kinds asked for, and only the specs
 * that win a requested name are read, from their copies. After any change the files are read as
 * usual and the index written anew — unless a file changed while they were read, or changed in the
 * last {@link #SETTLE_MILLIS} ms: file times tick coarsely, and a same-size rewrite within one tick
 * would look unchanged (git's "racy" entries). The cache must belong to the caller and be writable
 * by no one else, or it is not used: it decides what a container gets.
 *
 * <p>The index is lines of tab-separated fields, not JSON: parsing 100 entries as JSON trees cost a
 * cold JVM ~8 ms here, splitting lines well under one.
 */
public final class InventoryCache {

  /** Bump when the reading or checking of spec files changes what a file gives. */
  static final String FORMAT = "sifkube-cdi-index 2";

  /** How long after its last change a file is too fresh to cache. */
  static final long SETTLE_MILLIS = 2000;

  /** How long a cached file not written again is kept. */
  static final long PRUNE_AFTER_MILLIS = 7L * 24 * 3600 * 1000;

  private final Path dir;
  private final long owner;

  /**
   * @param dir the cache directory (created when missing)
   * @param owner the uid the directory and its files must belong to
   */
  public InventoryCache(Path dir, long owner) {
    this.dir = dir;
    this.owner = owner;
  }

  /** A spec file as listed now: its path, priority, identity and modification time. */
  private record Listed(Path path, int priority, int fileKey, long size, long modified) {
    /** Whether index fields {@code f[2..4]} (file key, size, modification time) are these. */
    boolean matches(String[] f) {
      return Integer.parseInt(f[2]) == fileKey
          && Long.parseLong(f[3]) == size
          && Long.parseLong(f[4]) == modified;
    }
  }

  /**
   * The inventory of {@code dirs} for the kinds of {@code names}: its devices of other kinds are
   * left out when it comes from the cache; the errors of every file are in.
   */
  public Inventory inventory(List<Path> dirs, List<String> names) {
    Set<String> kinds = new HashSet<>();
    for (String n : names) {
      int eq = n.indexOf('=');
      kinds.add(eq < 0 ? n : n.substring(0, eq));
    }
    List<Inventory.SpecError> dirErrors = new ArrayList<>();
    List<Listed> before = list(dirs, dirErrors);
    String id = Digest.sha256(dirs.toString().getBytes(StandardCharsets.UTF_8)).shortHex();
    Path index = dir.resolve("cdi-" + id + ".idx");
    Inventory cached = fromIndex(index, before, dirErrors, kinds);
    if (cached != null) {
      return cached;
    }
    Inventory fresh = new CdiRegistry(dirs).scan();
    long settled = System.currentTimeMillis() - SETTLE_MILLIS;
    boolean racy = before.stream().anyMatch(l -> l.modified() > settled);
    if (!racy && before.equals(list(dirs, new ArrayList<>()))) {
      try {
        save(index, before, fresh);
      } catch (IOException e) {
        // a cache that cannot be written is a slower next run, nothing worse
      }
    }
    return fresh;
  }

  /** The spec files of {@code dirs} as {@link CdiRegistry} reads them, with their identities. */
  private static List<Listed> list(List<Path> dirs, List<Inventory.SpecError> errors) {
    List<Listed> out = new ArrayList<>();
    for (int priority = 0; priority < dirs.size(); priority++) {
      List<Path> files = new ArrayList<>();
      try (DirectoryStream<Path> ds = Files.newDirectoryStream(dirs.get(priority))) {
        for (Path p : ds) {
          String n = p.getFileName().toString();
          if (n.endsWith(".json") || n.endsWith(".yaml")) {
            files.add(p);
          }
        }
      } catch (NoSuchFileException | NotDirectoryException e) {
        continue;
      } catch (IOException e) {
        errors.add(
            new Inventory.SpecError(dirs.get(priority).toString(), "cannot read directory: " + e));
        continue;
      }
      files.sort(null);
      for (Path p : files) {
        try {
          BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class);
          if (a.isRegularFile()) { // after links, as the registry reads them
            // The file key's hash folds device and inode: with size and time, enough to tell a
            // file from its replacement, and no strings to build for each of a hundred files.
            out.add(
                new Listed(
                    p,
                    priority,
                    a.fileKey().hashCode(),
                    a.size(),
                    a.lastModifiedTime().toMillis()));
          }
        } catch (IOException e) {
          // gone since the listing
        }
      }
    }
    return out;
  }

  private Inventory fromIndex(
      Path index, List<Listed> now, List<Inventory.SpecError> dirErrors, Set<String> kinds) {
    try {
      if (!trusted(index)) {
        return null;
      }
      String[] lines = Files.readString(index).split("\n");
      if (lines.length != now.size() + 1 || !lines[0].equals(FORMAT)) {
        return null;
      }
      List<CdiSpec> outline = new ArrayList<>();
      List<Inventory.SpecError> errors = new ArrayList<>(dirErrors);
      for (int i = 0; i < now.size(); i++) {
        Listed l = now.get(i);
        // priority, path, file key, size, time, then sha256 version kind devices, or "!" and the
        // error
        String[] f = lines[i + 1].split("\t", -1);
        if (f.length < 7
            || Integer.parseInt(f[0]) != l.priority()
            || !f[1].equals(l.path().toString())
            || !l.matches(f)) {
          return null;
        }
        if (f[5].equals("!")) {
          errors.add(new Inventory.SpecError(f[1], f[6]));
          continue;
        }
        String kind = f[7];
        if (!kinds.contains(kind)) {
          continue;
        }
        List<CdiSpec.Device> devices = new ArrayList<>();
        for (String d : f[8].split(",")) {
          devices.add(new CdiSpec.Device(d, Map.of(), ContainerEdits.NONE));
        }
        int slash = kind.indexOf('/');
        outline.add(
            new CdiSpec(
                f[1],
                f[5],
                l.priority(),
                f[6],
                kind.substring(0, slash),
                kind.substring(slash + 1),
                Map.of(),
                devices,
                ContainerEdits.NONE));
      }
      // The specs of the kinds asked for (one file, most of the time) are read in full, from
      // their copies; the inventory of those decides which wins each name.
      List<CdiSpec> specs = new ArrayList<>(outline.size());
      for (CdiSpec o : outline) {
        Path copy = dir.resolve("specs").resolve(o.sha256() + ".spec");
        if (!trusted(copy)) {
          return null;
        }
        specs.add(SpecCodec.decode(Files.readAllBytes(copy), o.path(), o.sha256(), o.priority()));
      }
      return Inventory.of(specs, errors);
    } catch (IOException | RuntimeException e) {
      return null; // unreadable, damaged or stale: read the files themselves
    }
  }

  /** Owned by the caller, writable by no one else, a regular file or directory, not a link. */
  private boolean trusted(Path p) throws IOException {
    if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
      return false;
    }
    for (Path x : List.of(dir, p)) {
      Map<String, Object> a = Files.readAttributes(x, "unix:uid,mode", LinkOption.NOFOLLOW_LINKS);
      int mode = (Integer) a.get("mode");
      boolean link = (mode & 0170000) == 0120000;
      if (link || ((Integer) a.get("uid")).longValue() != owner || (mode & 022) != 0) {
        return false;
      }
    }
    return true;
  }

  private void save(Path index, List<Listed> listed, Inventory inv) throws IOException {
    Files.createDirectories(dir.resolve("specs"));
    Map<String, CdiSpec> specs = new HashMap<>();
    for (CdiSpec s : inv.specs()) {
      specs.put(s.path(), s);
    }
    Map<String, String> errors = new HashMap<>();
    for (Inventory.SpecError e : inv.errors()) {
      if (!e.message().startsWith("conflicting device ")) {
        errors.put(e.path(), e.message()); // conflicts are worked out again from the devices
      }
    }
    StringBuilder out = new StringBuilder(FORMAT).append('\n');
    for (Listed l : listed) {
      String path = l.path().toString();
      if (path.contains("\t") || path.contains("\n")) {
        return; // a name the index cannot hold: no cache for these directories
      }
      out.append(l.priority()).append('\t').append(path).append('\t').append(l.fileKey());
      out.append('\t').append(l.size()).append('\t').append(l.modified());
      CdiSpec s = specs.get(path);
      if (s == null) {
        String why = errors.getOrDefault(path, "not read").replace('\n', ' ').replace('\t', ' ');
        out.append("\t!\t").append(why).append('\n');
        continue;
      }
      List<String> devices = new ArrayList<>();
      s.devices().forEach(d -> devices.add(d.name()));
      out.append('\t').append(s.sha256()).append('\t').append(s.version());
      out.append('\t').append(s.kind()).append('\t').append(String.join(",", devices));
      out.append('\n');
      Path copy = dir.resolve("specs").resolve(s.sha256() + ".spec");
      if (!Files.exists(copy)) {
        write(copy, SpecCodec.encode(s));
      }
    }
    write(index, out.toString().getBytes(StandardCharsets.UTF_8));
    prune();
  }

  /**
   * Cached files not written for a week go (those of test directories, of removed drivers); one
   * still in use is written again by the next run that misses it.
   */
  private void prune() throws IOException {
    long before = System.currentTimeMillis() - PRUNE_AFTER_MILLIS;
    for (Path d : List.of(dir, dir.resolve("specs"))) {
      try (DirectoryStream<Path> ds = Files.newDirectoryStream(d)) {
        for (Path p : ds) {
          if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)
              && Files.getLastModifiedTime(p, LinkOption.NOFOLLOW_LINKS).toMillis() < before) {
            Files.deleteIfExists(p);
          }
        }
      }
    }
  }

  /**
   * Writes through a temporary file and a rename: a reader sees the old file or the new one. Not
   * {@code Durable}: a cache file a crash loses or cuts short is read again from the spec files.
   */
  private static void write(Path file, byte[] data) throws IOException {
    Path tmp = Files.createTempFile(file.getParent(), ".cdi", ".tmp");
    try {
      Files.write(tmp, data);
      Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }
}
