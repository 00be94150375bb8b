package io.sifkube.image.pull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sifkube.image.ImageException;
import io.sifkube.image.ImageException.Reason;
import io.sifkube.image.oci.Descriptor;
import io.sifkube.image.oci.Digest;
import io.sifkube.image.oci.MediaTypes;
import io.sifkube.image.oci.Platform;
import io.sifkube.image.squash.LayerInput;
import io.sifkube.image.squash.LayerLimits;
import io.sifkube.image.squash.LayerMerger;
import io.sifkube.image.squash.Tar2Sqfs;
import io.sifkube.image.store.ImageCache;
import io.sifkube.json.Json;
import io.sifkube.sif.oci.LayerSource;
import io.sifkube.sif.oci.OciSifWriter;
import io.sifkube.squashfs.SquashfsCompression;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Pulls an image into the cache as one OCI-SIF, as {@code singularity pull --oci} does: resolve the
 * manifest, fetch and verify the config and layers (skipping blobs already cached), squash the
 * layers into one squashfs layer, rewrite the config for it and write the OCI-SIF. One OCI-SIF is
 * kept per manifest digest; concurrent pulls of one image, in threads or processes, do the work
 * once.
 */
public final class ImagePuller {

  private static final int MAX_CONFIG = 4 << 20;

  private final ImageCache cache;
  private final PullListener listener;
  private final LayerLimits limits;
  private final Tar2Sqfs squasher;

  public ImagePuller(
      ImageCache cache, PullListener listener, LayerLimits limits, Tar2Sqfs squasher) {
    this.cache = cache;
    this.listener = listener;
    this.limits = limits;
    this.squasher = squasher;
  }

  @SuppressWarnings("try") // the lock is held for the block; its variable is not used
  public PullResult pull(ImageSource source, Platform platform) throws IOException {
    Optional<Digest> pinned = source.pinnedDigest();
    SquashfsCompression compression = squasher.compression();
    if (pinned.isPresent() && Files.isRegularFile(cache.sifPath(pinned.get(), compression))) {
      // A digest names immutable content: the OCI-SIF made from it is still right.
      listener.info("Using cached OCI-SIF image");
      return new PullResult(cache.sifPath(pinned.get(), compression), pinned.get(), true);
    }
    ResolvedImage img = source.resolve(platform);
    Digest id = img.manifestDigest();
    // An image that is already an OCI-SIF is kept as pushed, whatever the compressor asked for:
    // re-squashing it would change the digest its signatures and users name.
    Path sif = cache.sifPath(id, isOciSifImage(img) ? SquashfsCompression.GZIP : compression);
    if (Files.isRegularFile(sif)) {
      listener.info("Using cached OCI-SIF image");
      return new PullResult(sif, id, true);
    }
    try (ImageCache.Lock lock = cache.lock(id)) {
      if (Files.isRegularFile(sif)) {
        // Another pull of the same image finished while we waited for the lock.
        listener.info("Using cached OCI-SIF image");
        return new PullResult(sif, id, true);
      }
      if (isOciSifImage(img)) {
        // Already one squashfs layer (an OCI-SIF pushed by sifctl or SingularityCE): kept as it
        // is, so the file has the image's own manifest digest.
        Path configPath = fetch(source, img.manifest().config());
        Path layer = fetch(source, img.manifest().layers().get(0));
        listener.info("Writing OCI-SIF image");
        Files.createDirectories(sif.getParent());
        OciSifWriter.writeVerbatim(
            sif,
            layer,
            Files.readAllBytes(configPath),
            img.manifestBytes(),
            img.manifest().mediaType());
        return new PullResult(sif, id, false);
      }
      Path configPath = fetch(source, img.manifest().config());
      ObjectNode config = rewriteConfig(source, configPath, id);
      List<Descriptor> blobs = img.manifest().layers();
      List<Digest> diffIds = diffIds(source, config, blobs.size());
      listener.info("Converting OCI image to OCI-SIF format");
      Path squashfs = cache.tempFile(".sqfs");
      try (LayerDownloads downloads =
          new LayerDownloads(
              blobs,
              cache,
              source.concurrentBlobs() ? LayerDownloads.PARALLEL : 1,
              (d, tap) -> download(source, d, tap),
              d -> cache.hasBlob(d.digest()))) {
        List<LayerInput> layers = new ArrayList<>();
        for (int i = 0; i < blobs.size(); i++) {
          layers.add(new LayerInput(blobs.get(i).digest(), downloads.blob(i), diffIds.get(i)));
        }
        listener.info("Squashing image to single layer");
        try {
          squasher.convert(
              out -> new LayerMerger(source.name(), limits).merge(layers, out),
              squashfs,
              source.name());
        } catch (IOException e) {
          // A corrupt or truncated blob first shows as a bad stream in the merger; the download's
          // own error (digest or size mismatch) is the one that names the cause.
          IOException cause = downloads.downloadFailure();
          throw cause != null ? cause : e;
        }
        // A layer reads to its end only once its download verified; checked again all the same.
        IOException failed = downloads.downloadFailure();
        if (failed != null) {
          throw failed;
        }
        listener.info("Writing OCI-SIF image");
        Files.createDirectories(sif.getParent());
        OciSifWriter.write(
            sif, List.of(LayerSource.squashfs(squashfs)), config, img.manifest().mediaType());
      } finally {
        Files.deleteIfExists(squashfs);
      }
      return new PullResult(sif, id, false);
    }
  }

  private static boolean isOciSifImage(ResolvedImage img) {
    return img.manifest().layers().size() == 1
        && MediaTypes.SIF_SQUASHFS_LAYER.equals(img.manifest().layers().get(0).mediaType());
  }

  /**
   * The config's {@code rootfs.diff_ids}, one per layer: each layer's uncompressed tar is checked
   * against its entry while it is merged, as containerd and umoci check them.
   */
  private static List<Digest> diffIds(ImageSource source, JsonNode config, int layers)
      throws ImageException {
    JsonNode ids = config.path("rootfs").path("diff_ids");
    if (!ids.isArray() || ids.size() != layers) {
      throw new ImageException(
          Reason.INVALID,
          source.name()
              + ": image config rootfs.diff_ids lists "
              + (ids.isArray() ? ids.size() : "no")
              + " layer digests for "
              + layers
              + " layers");
    }
    List<Digest> out = new ArrayList<>();
    for (int i = 0; i < layers; i++) {
      try {
        out.add(Digest.parse(ids.get(i).asText()));
      } catch (IllegalArgumentException e) {
        throw new ImageException(
            Reason.INVALID,
            source.name() + ": image config rootfs.diff_ids[" + i + "]: " + e.getMessage());
      }
    }
    return out;
  }

  /** The blob {@code d} from the cache, fetching and verifying it first when needed. */
  private Path fetch(ImageSource source, Descriptor d) throws IOException {
    if (!cache.hasBlob(d.digest())) {
      download(source, d, ImageCache.Tap.NONE);
    }
    return cache.blobPath(d.digest());
  }

  /** Fetches and verifies blob {@code d} into the cache, showing {@code tap} its bytes. */
  private void download(ImageSource source, Descriptor d, ImageCache.Tap tap) throws IOException {
    listener.blobStarted(d.digest(), d.size());
    try (InputStream in = new Progress(source.openBlob(d), d.digest())) {
      cache.putBlob(d.digest(), d.size(), in, source.name() + ": blob " + d.digest(), tap);
    }
    listener.blobDone(d.digest());
  }

  /**
   * The config for the squashed image: everything kept, but one history entry in place of the old
   * ones (the OCI-SIF writer sets {@code rootfs} to the new layer). The entry reuses the image's
   * creation time, so pulling the same image twice gives the same bytes.
   */
  private ObjectNode rewriteConfig(ImageSource source, Path configPath, Digest manifest)
      throws IOException {
    if (Files.size(configPath) > MAX_CONFIG) {
      throw new ImageException(
          Reason.INVALID, source.name() + ": image config is larger than " + MAX_CONFIG + " bytes");
    }
    JsonNode node;
    try {
      node = Json.read(Files.readAllBytes(configPath));
    } catch (IOException e) {
      throw new ImageException(Reason.INVALID, source.name() + ": image config is not valid JSON");
    }
    if (!(node instanceof ObjectNode config)) {
      throw new ImageException(Reason.INVALID, source.name() + ": image config is not an object");
    }
    ObjectNode entry = config.objectNode();
    if (config.path("created").isTextual()) {
      entry.put("created", config.path("created").asText());
    }
    entry.put("created_by", "sifkube");
    entry.put("comment", "oci-sif created from " + manifest.hex());
    config.putArray("history").add(entry);
    return config;
  }

  /** Reports bytes read to the listener. */
  private final class Progress extends FilterInputStream {
    private final Digest digest;
    private long total;
    private long reported;

    Progress(InputStream in, Digest digest) {
      super(in);
      this.digest = digest;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      int n = super.read(b, off, len);
      if (n > 0) {
        total += n;
        if (total - reported >= 1 << 20) {
          reported = total;
          listener.blobProgress(digest, total);
        }
      }
      return n;
    }
  }
}
