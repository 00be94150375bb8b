package io.sifkube.image.squash;

import io.airlift.compress.zstd.ZstdInputStream;
import io.sifkube.image.ImageException;
import io.sifkube.image.ImageException.Reason;
import io.sifkube.image.oci.Digest;
import java.io.BufferedInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/**
 * Squashes image layers into one tar stream with OCI whiteout semantics, the way oci-tools squashes
 * them for SingularityCE: layers are read from the top down, an entry already provided by an upper
 * layer is dropped, {@code .wh.NAME} hides NAME and everything below it in lower layers, {@code
 * .wh..wh..opq} hides the lower contents of its directory, and a whiteout takes effect only once
 * its own layer is done. Hard links are held back and written after every other entry, once their
 * targets are known to exist.
 *
 * <p>Every entry is checked as it passes: absolute names and names with {@code ..}, links out of
 * the root, entries below a symlink, out-of-range owners, and layers larger than {@link
 * LayerLimits} are refused with an {@link ImageException} naming the image, layer and entry. Memory
 * grows with the number of paths, not with their contents.
 */
public final class LayerMerger {

  private static final String WHITEOUT = ".wh.";
  private static final String OPAQUE = ".wh..wh..opq";
  private static final long MAX_ID = 0xFFFF_FFFEL;

  /** Looked up once: PATH does not change under a running siflet. */
  private static final Gunzip BEST_GUNZIP = Gunzip.best();

  /** A directory implied by an entry below it, not (yet) given by an entry of its own. */
  private static final char IMPLICIT_DIR = 'D';

  private final String image;
  private final LayerLimits limits;

  /** Path → what the merged tree has there. */
  private final Map<String, Character> emitted = new HashMap<>();

  private final Set<String> whiteouts = new HashSet<>();
  private final Set<String> opaque = new HashSet<>();
  private final List<Deferred> hardlinks = new ArrayList<>();

  private record Deferred(String layer, TarArchiveEntry entry, String target) {}

  private final Gunzip gunzip;

  public LayerMerger(String image, LayerLimits limits) {
    this(image, limits, BEST_GUNZIP);
  }

  public LayerMerger(String image, LayerLimits limits, Gunzip gunzip) {
    this.image = image;
    this.limits = limits;
    this.gunzip = gunzip;
  }

  /**
   * Writes the merged tar of {@code layers} (bottom layer first, as in the manifest) to {@code
   * out}. The output is PAX, keeping owners, modes, times, link targets, device numbers and
   * extended attributes as the layers give them.
   */
  public void merge(List<LayerInput> layers, OutputStream out) throws IOException {
    TarArchiveOutputStream tar = new TarArchiveOutputStream(out, 1 << 16);
    tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
    tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
    tar.setAddPaxHeadersForNonAsciiNames(true);
    for (int i = layers.size() - 1; i >= 0; i--) {
      mergeLayer(layers.get(i), tar);
    }
    for (Deferred d : hardlinks) {
      Character kind = emitted.get(d.target);
      if (kind == null || (kind != 'f' && kind != 'h')) {
        throw unsafe(
            d.layer,
            d.entry.getName(),
            "hard link to " + d.target + ", which is not a regular file in the image");
      }
      checkAncestorsAreDirectories(d.layer, d.entry.getName(), d.target);
      tar.putArchiveEntry(d.entry);
      tar.closeArchiveEntry();
    }
    // Entries from upper layers may only now turn out to lie below a lower layer's symlink.
    for (String path : emitted.keySet()) {
      checkAncestorsAreDirectories("", path, path);
    }
    tar.finish();
    tar.flush();
  }

  private void mergeLayer(LayerInput layer, TarArchiveOutputStream out) throws IOException {
    String digest = layer.digest().toString();
    Set<String> newWhiteouts = new HashSet<>();
    Set<String> newOpaque = new HashSet<>();
    Set<String> inThisLayer = new HashSet<>();
    MessageDigest uncompressed = Digest.newSha256();
    try (CountingStream counted =
            new CountingStream(
                new DigestInputStream(open(layer), uncompressed), limits.maxBytes(), digest);
        TarArchiveInputStream in = new TarArchiveInputStream(counted)) {
      long entries = 0;
      TarArchiveEntry e;
      while ((e = nextEntry(in, digest)) != null) {
        if (++entries > limits.maxEntries()) {
          throw new ImageException(
              Reason.TOO_LARGE,
              image + ": layer " + digest + " has more than " + limits.maxEntries() + " entries");
        }
        String raw = e.getName();
        String path =
            EntryPaths.clean(raw)
                .orElseThrow(() -> unsafe(digest, raw, "absolute path or \"..\" component"));
        if (path.isEmpty()) {
          continue; // the root directory itself
        }
        String base = EntryPaths.base(path);
        String dir = EntryPaths.parent(path);
        if (base.equals(OPAQUE)) {
          newOpaque.add(dir);
          continue;
        }
        if (base.startsWith(WHITEOUT)) {
          newWhiteouts.add(EntryPaths.join(dir, base.substring(WHITEOUT.length())));
          continue;
        }
        List<String> ancestors = EntryPaths.ancestors(path); // once: three checks walk them
        if (isHidden(path, ancestors, inThisLayer)) {
          continue;
        }
        Character before = emitted.get(path);
        if (before != null && before == IMPLICIT_DIR && !e.isDirectory()) {
          // An upper layer wrote below this path without making it a directory itself: applied
          // in order, that write would go through this symlink or fail on this file.
          throw unsafe(
              digest, raw, "a later layer writes below it, but here it is not a directory");
        }
        if (before != null && before != IMPLICIT_DIR) {
          if (inThisLayer.contains(path) && !e.isDirectory()) {
            throw new ImageException(
                Reason.INVALID,
                image + ": layer " + digest + " holds entry " + raw + " twice; refusing to guess");
          }
          continue; // shadowed by an upper layer (or a repeated directory)
        }
        checkOwner(digest, raw, e);
        checkAncestorsAreDirectories(digest, raw, ancestors);
        inThisLayer.add(path);
        // An entry implies its parents are directories: a lower layer's non-directory there is
        // shadowed, while a lower directory entry still brings its owner and mode.
        for (String a : ancestors) {
          emitted.putIfAbsent(a, IMPLICIT_DIR);
        }
        if (e.isLink()) {
          String linkName = e.getLinkName();
          String target =
              EntryPaths.clean(linkName)
                  .filter(t -> !t.isEmpty())
                  .orElseThrow(() -> unsafe(digest, raw, "hard link out of the root: " + linkName));
          e.setName(path);
          e.setLinkName(target);
          emitted.put(path, 'h');
          hardlinks.add(new Deferred(digest, e, target));
          continue;
        }
        if (!(e.isDirectory()
            || e.isFile()
            || e.isSymbolicLink()
            || e.isCharacterDevice()
            || e.isBlockDevice()
            || e.isFIFO())) {
          throw unsafe(digest, raw, "unsupported entry type '" + (char) e.getLinkFlag() + "'");
        }
        e.setName(e.isDirectory() ? path + "/" : path);
        emitted.put(path, kindOf(e));
        out.putArchiveEntry(e);
        if (e.isFile()) {
          long copied = in.transferTo(out);
          if (copied != e.getSize()) {
            throw new ImageException(
                Reason.INVALID, image + ": layer " + digest + " entry " + raw + " is cut short");
          }
        }
        out.closeArchiveEntry();
      }
      // The diff_id covers the whole uncompressed stream, the tar's end blocks and padding too.
      counted.transferTo(OutputStream.nullOutputStream());
    }
    if (layer.diffId() != null) {
      Digest actual = Digest.of(uncompressed);
      if (!actual.equals(layer.diffId())) {
        throw new ImageException(
            Reason.DIGEST_MISMATCH,
            image
                + ": layer "
                + digest
                + " uncompresses to "
                + actual
                + ", not to the config's rootfs.diff_ids entry "
                + layer.diffId());
      }
    }
    whiteouts.addAll(newWhiteouts);
    opaque.addAll(newOpaque);
  }

  /**
   * True when an upper layer removed, replaced with a non-directory, or made opaque something above
   * {@code path}. A non-directory from the same layer does not hide: writing below it is an error
   * that {@link #checkAncestorsAreDirectories} reports.
   */
  private boolean isHidden(String path, List<String> ancestors, Set<String> sameLayer) {
    if (whiteouts.contains(path)) {
      return true;
    }
    for (String a : ancestors) {
      if (whiteouts.contains(a) || opaque.contains(a)) {
        return true;
      }
      Character kind = emitted.get(a);
      if (kind != null && !isDirectory(kind) && !sameLayer.contains(a)) {
        return true;
      }
    }
    return opaque.contains("");
  }

  /** Refuses an entry that would be written through a symbolic link or below a file. */
  private void checkAncestorsAreDirectories(String layer, String entry, String path)
      throws ImageException {
    checkAncestorsAreDirectories(layer, entry, EntryPaths.ancestors(path));
  }

  private void checkAncestorsAreDirectories(String layer, String entry, List<String> ancestors)
      throws ImageException {
    for (String a : ancestors) {
      Character kind = emitted.get(a);
      if (kind != null && kind == 'l') {
        throw unsafe(layer, entry, "it lies below the symbolic link " + a);
      }
      if (kind != null && !isDirectory(kind)) {
        throw unsafe(layer, entry, "it lies below " + a + ", which is not a directory");
      }
    }
  }

  private static boolean isDirectory(char kind) {
    return kind == 'd' || kind == IMPLICIT_DIR;
  }

  private void checkOwner(String layer, String entry, TarArchiveEntry e) throws ImageException {
    if (e.getLongUserId() < 0 || e.getLongUserId() > MAX_ID) {
      throw unsafe(layer, entry, "owner uid " + e.getLongUserId() + " is out of range");
    }
    if (e.getLongGroupId() < 0 || e.getLongGroupId() > MAX_ID) {
      throw unsafe(layer, entry, "group gid " + e.getLongGroupId() + " is out of range");
    }
  }

  private static char kindOf(TarArchiveEntry e) {
    if (e.isDirectory()) {
      return 'd';
    }
    if (e.isSymbolicLink()) {
      return 'l';
    }
    return e.isFile() ? 'f' : 'o';
  }

  private TarArchiveEntry nextEntry(TarArchiveInputStream in, String digest) throws IOException {
    try {
      return in.getNextEntry();
    } catch (ImageException e) {
      throw e;
    } catch (IOException | IllegalArgumentException e) {
      throw new ImageException(
          Reason.INVALID,
          image + ": layer " + digest + " is not a valid tar archive: " + e.getMessage(),
          e);
    }
  }

  private InputStream open(LayerInput layer) throws IOException {
    InputStream raw = new BufferedInputStream(layer.blob().open(), 1 << 16);
    raw.mark(4);
    byte[] magic = raw.readNBytes(4);
    raw.reset();
    if (magic.length >= 2 && (magic[0] & 0xff) == 0x1f && (magic[1] & 0xff) == 0x8b) {
      return gunzip.open(raw);
    }
    if (magic.length == 4
        && (magic[0] & 0xff) == 0x28
        && (magic[1] & 0xff) == 0xb5
        && (magic[2] & 0xff) == 0x2f
        && (magic[3] & 0xff) == 0xfd) {
      return new ZstdInputStream(raw);
    }
    return raw;
  }

  private ImageException unsafe(String layer, String entry, String why) {
    String where = layer.isEmpty() ? "" : " layer " + layer;
    return new ImageException(
        Reason.UNSAFE_LAYER, image + ":" + where + " entry " + entry + " refused: " + why);
  }

  /** Counts decompressed bytes and stops a layer that expands past the limit. */
  private final class CountingStream extends FilterInputStream {
    private final long max;
    private final String digest;
    private long count;

    CountingStream(InputStream in, long max, String digest) {
      super(in);
      this.max = max;
      this.digest = digest;
    }

    @Override
    public int read() throws IOException {
      int b = super.read();
      if (b >= 0) {
        add(1);
      }
      return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      int n = super.read(b, off, len);
      if (n > 0) {
        add(n);
      }
      return n;
    }

    private void add(long n) throws ImageException {
      count += n;
      if (count > max) {
        throw new ImageException(
            Reason.TOO_LARGE,
            image + ": layer " + digest + " expands to more than " + max + " bytes");
      }
    }
  }
}
