package io.sifkube.siflet.images;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sifkube.files.Durable;
import io.sifkube.image.ImageException;
import io.sifkube.image.oci.Digest;
import io.sifkube.image.oci.Platform;
import io.sifkube.image.pull.ImagePuller;
import io.sifkube.image.pull.ImageSource;
import io.sifkube.image.pull.ImageSources;
import io.sifkube.image.pull.PullListener;
import io.sifkube.image.pull.PullResult;
import io.sifkube.image.registry.Credentials;
import io.sifkube.image.squash.LayerLimits;
import io.sifkube.image.squash.Tar2Sqfs;
import io.sifkube.image.store.ImageCache;
import io.sifkube.sif.SifFile;
import io.sifkube.sif.oci.OciSifReader;
import io.sifkube.siflet.SifletException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * siflet's images: the content-addressed {@link ImageCache} plus an index of which sources each
 * image was pulled from and when it was last used, kept in {@code images.json} beside the cache.
 * Images beyond the disk budget are removed least recently used first, never one in use.
 */
public final class ImageStore {

  private static final ObjectMapper JSON = new ObjectMapper();

  private final ImageCache cache;
  private final Path indexFile;
  private final long budgetBytes;
  private final Predicate<Digest> inUse;
  private final Consumer<Path> beforeDelete;
  private final Map<Digest, Entry> index = new TreeMap<>(Comparator.comparing(Digest::toString));

  /**
   * How stale an image's last use may be in the index file. It only orders eviction, and writing
   * the index durably on every pull and create cost each run two writes with their fsyncs under the
   * store's lock; a crash now loses at most this much of it (the image looks that much older).
   * Every other change (a new image, a new source) is written at once.
   */
  static final long LAST_USED_WRITE_MILLIS = 60_000;

  /** What siflet knows of one cached image besides its file. */
  private static final class Entry {
    final TreeSet<String> sources = new TreeSet<>();
    long lastUsed;
    long lastUsedSaved;
  }

  private final LongSupplier clock;

  /** A cached image as the API shows it. */
  public record Image(
      Digest manifest,
      Path file,
      long size,
      List<String> sources,
      long lastUsedMillis,
      JsonNode config) {}

  /**
   * @param stateDir siflet's state directory; the cache is {@code stateDir/cache}
   * @param budgetBytes most bytes of images to keep; 0 for no limit
   * @param inUse whether a container uses an image
   * @param beforeDelete hears of each image file about to be deleted (to unmount what holds it)
   */
  public ImageStore(
      Path stateDir, long budgetBytes, Predicate<Digest> inUse, Consumer<Path> beforeDelete)
      throws IOException {
    this(stateDir, budgetBytes, inUse, beforeDelete, System::currentTimeMillis);
  }

  ImageStore(
      Path stateDir,
      long budgetBytes,
      Predicate<Digest> inUse,
      Consumer<Path> beforeDelete,
      LongSupplier clock)
      throws IOException {
    this.clock = clock;
    this.cache = new ImageCache(stateDir.resolve("cache"));
    this.indexFile = stateDir.resolve("images.json");
    this.budgetBytes = budgetBytes;
    this.inUse = inUse;
    this.beforeDelete = beforeDelete;
    load();
  }

  public Path cacheRoot() {
    return cache.root();
  }

  public long budgetBytes() {
    return budgetBytes;
  }

  /**
   * Pulls {@code source} into the cache and records it.
   *
   * @param credentials for the image's registry only
   * @param platform OS/ARCH[/VARIANT], or empty for the node's
   */
  public Image pull(
      String source,
      Credentials credentials,
      String platform,
      boolean insecure,
      PullListener listener)
      throws IOException {
    return pull(source, credentials, platform, insecure, listener, f -> {});
  }

  /**
   * As above; {@code fetched} sees a SIF file source's file as it was downloaded, before it enters
   * the cache, where a file of the same image from another source (signed otherwise, or not at all)
   * may replace it: a signature check belongs to the file this pull fetched.
   */
  public Image pull(
      String source,
      Credentials credentials,
      String platform,
      boolean insecure,
      PullListener listener,
      java.util.function.Consumer<Path> fetched)
      throws IOException {
    Platform p;
    try {
      p = platform.isEmpty() ? Platform.host() : Platform.parse(platform);
    } catch (IllegalArgumentException e) {
      throw new ImageException(ImageException.Reason.INVALID, "platform: " + e.getMessage(), e);
    }
    Files.createDirectories(cache.root().resolve("tmp"));
    PullResult r;
    if (SifFileSources.handles(source)) {
      r = SifFileSources.fetch(source, credentials, insecure, cache, listener, fetched);
    } else {
      try (ImageSource src =
          ImageSources.open(source, credentials, insecure, cache.root().resolve("tmp"))) {
        r = new ImagePuller(cache, listener, LayerLimits.DEFAULT, Tar2Sqfs.fromPath()).pull(src, p);
      }
    }
    synchronized (this) {
      Entry e = index.get(r.manifestDigest());
      boolean known = e != null;
      if (!known) {
        e = new Entry();
        index.put(r.manifestDigest(), e);
      }
      boolean newSource = e.sources.add(source);
      used(e, !known || newSource);
    }
    collectGarbage(r.manifestDigest());
    return status(r.manifestDigest().toString()).orElseThrow();
  }

  /** The image named by a manifest digest or a source pulled before. */
  public synchronized Optional<Image> status(String name) throws IOException {
    Optional<Digest> d = resolve(name);
    if (d.isEmpty()) {
      return Optional.empty();
    }
    Path file = cache.sifPath(d.get());
    if (!Files.isRegularFile(file)) {
      return Optional.empty();
    }
    Entry e = index.getOrDefault(d.get(), new Entry());
    return Optional.of(
        new Image(
            d.get(), file, Files.size(file), List.copyOf(e.sources), e.lastUsed, config(file)));
  }

  /** Every cached image. */
  public synchronized List<Image> list() throws IOException {
    List<Image> out = new ArrayList<>();
    for (ImageCache.Entry c : cache.list()) {
      status(c.manifest().toString()).ifPresent(out::add);
    }
    return out;
  }

  /** Marks an image used now (a container was created from it). */
  public synchronized void touch(Digest d) throws IOException {
    Entry e = index.get(d);
    if (e == null) {
      e = new Entry();
      index.put(d, e);
      used(e, true);
    } else {
      used(e, false);
    }
  }

  /** Writes the index if a use is not in it yet (at shutdown). */
  public synchronized void flush() throws IOException {
    if (index.values().stream().anyMatch(e -> e.lastUsed != e.lastUsedSaved)) {
      save();
    }
  }

  /** Records a use of {@code e} now; writes the index when it changed otherwise, or is stale. */
  private void used(Entry e, boolean changed) throws IOException {
    e.lastUsed = clock.getAsLong();
    if (changed || e.lastUsed - e.lastUsedSaved >= LAST_USED_WRITE_MILLIS) {
      save();
    }
  }

  /**
   * Removes an image; false when it was not cached.
   *
   * @throws SifletException FAILED_PRECONDITION while a container uses it
   */
  public synchronized boolean remove(String name) throws IOException {
    Optional<Digest> d = resolve(name);
    if (d.isEmpty() || !Files.exists(cache.sifPath(d.get()))) {
      return false;
    }
    if (inUse.test(d.get())) {
      throw SifletException.precondition(
          "image " + d.get() + " is used by a container; remove the container first");
    }
    beforeDelete.accept(cache.sifPath(d.get()));
    Files.deleteIfExists(cache.sifPath(d.get()));
    index.remove(d.get());
    save();
    return true;
  }

  /** Bytes and inodes the cache uses. */
  public long[] usage() throws IOException {
    long bytes = 0;
    long inodes = 0;
    if (Files.exists(cache.root())) {
      try (Stream<Path> s = Files.walk(cache.root())) {
        for (Path p : s.toList()) {
          inodes++;
          if (Files.isRegularFile(p)) {
            bytes += Files.size(p);
          }
        }
      }
    }
    return new long[] {bytes, inodes};
  }

  /**
   * Removes least recently used images not in use until the images fit the budget. Layer blobs go
   * first: the OCI-SIF files are what runs, the blobs only speed up a later conversion.
   *
   * @param keep the image just pulled, which its caller is about to use
   */
  public synchronized void collectGarbage(Digest keep) throws IOException {
    if (budgetBytes <= 0 || usage()[0] <= budgetBytes) {
      return;
    }
    Path blobs = cache.root().resolve("blobs");
    if (Files.exists(blobs)) {
      try (Stream<Path> s = Files.walk(blobs)) {
        for (Path p : s.filter(Files::isRegularFile).toList()) {
          Files.deleteIfExists(p);
        }
      }
    }
    List<ImageCache.Entry> lru = new ArrayList<>(cache.list());
    lru.sort(Comparator.comparingLong(c -> index.getOrDefault(c.manifest(), new Entry()).lastUsed));
    for (ImageCache.Entry c : lru) {
      if (usage()[0] <= budgetBytes) {
        break;
      }
      if (!inUse.test(c.manifest()) && !c.manifest().equals(keep)) {
        beforeDelete.accept(c.file());
        Files.deleteIfExists(c.file());
        index.remove(c.manifest());
      }
    }
    save();
  }

  private Optional<Digest> resolve(String name) {
    if (name.startsWith("sha256:")) {
      try {
        return Optional.of(Digest.parse(name));
      } catch (IllegalArgumentException e) {
        return Optional.empty();
      }
    }
    return index.entrySet().stream()
        .filter(e -> e.getValue().sources.contains(name))
        .max(Comparator.comparingLong(e -> e.getValue().lastUsed))
        .map(Map.Entry::getKey);
  }

  private static JsonNode config(Path sif) throws IOException {
    try (SifFile f = SifFile.open(sif)) {
      return OciSifReader.isOciSif(f) ? OciSifReader.read(f).config() : JSON.createObjectNode();
    }
  }

  private void load() throws IOException {
    if (!Files.exists(indexFile)) {
      return;
    }
    JsonNode root = JSON.readTree(indexFile.toFile());
    for (var it = root.path("images").fields(); it.hasNext(); ) {
      var f = it.next();
      try {
        Entry e = new Entry();
        f.getValue().path("sources").forEach(s -> e.sources.add(s.asText()));
        e.lastUsed = f.getValue().path("lastUsed").asLong();
        e.lastUsedSaved = e.lastUsed;
        index.put(Digest.parse(f.getKey()), e);
      } catch (IllegalArgumentException ignored) {
        // an entry we did not write: the cache is the truth, the index only adds names
      }
    }
  }

  /** Writes the index atomically. */
  private void save() throws IOException {
    ObjectNode root = JSON.createObjectNode();
    ObjectNode images = root.putObject("images");
    Map<String, Entry> sorted = new LinkedHashMap<>();
    index.forEach((d, e) -> sorted.put(d.toString(), e));
    sorted.forEach(
        (d, e) -> {
          ObjectNode n = images.putObject(d);
          ArrayNode s = n.putArray("sources");
          e.sources.forEach(s::add);
          n.put("lastUsed", e.lastUsed);
        });
    Durable.write(indexFile, JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(root));
    index.values().forEach(e -> e.lastUsedSaved = e.lastUsed);
  }
}
