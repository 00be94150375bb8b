package io.sifkube.cli;

import io.sifkube.files.Durable;
import io.sifkube.image.ImageException;
import io.sifkube.image.oci.Digest;
import io.sifkube.image.oci.Platform;
import io.sifkube.image.oras.OrasSif;
import io.sifkube.image.pull.HttpSifDownloader;
import io.sifkube.image.pull.ImagePuller;
import io.sifkube.image.pull.ImageSource;
import io.sifkube.image.pull.PullResult;
import io.sifkube.image.ref.ImageReference;
import io.sifkube.image.registry.Credentials;
import io.sifkube.image.registry.RegistryClient;
import io.sifkube.image.registry.RetryPolicy;
import io.sifkube.image.squash.LayerLimits;
import io.sifkube.image.squash.Tar2Sqfs;
import io.sifkube.image.store.ImageCache;
import io.sifkube.squashfs.SquashfsCompression;
import java.net.URI;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;

/**
 * {@code sifctl pull SOURCE [DEST]}: fetches an image into the cache as an OCI-SIF and copies it to
 * DEST (default {@code NAME_TAG.oci.sif}), like {@code singularity pull --oci}. A {@link
 * TableCommand}.
 */
final class PullCommand extends TableCommand {

  private static final OptionTable TABLE =
      standard(
          new OptionTable()
              .value("--platform", "OS/ARCH", "OS/ARCH[/VARIANT] to pull (default: this host)")
              .value("--authfile", "FILE", "registry credentials (docker config.json format)")
              .flag("--insecure", "allow plain HTTP and unverified TLS to the registry")
              .value(
                  "--docker-host",
                  "URI",
                  "Docker daemon of docker-daemon: sources (default: $DOCKER_HOST or"
                      + " unix:///var/run/docker.sock)")
              .value(
                  "--cache-dir",
                  "DIR",
                  "cache directory (default: $SIFKUBE_CACHEDIR or ~/.cache/sifkube)")
              .value(
                  "--squashfs-compression",
                  "gzip|lz4|zstd|xz",
                  "compressor of the squashfs layer (default gzip, which every SingularityCE and"
                      + " kernel reads; lz4 and zstd squash and start faster, xz is smallest). An"
                      + " image that is already an OCI-SIF is kept as it was pushed.")
              .flag("-F,--force", "overwrite DEST if it exists")
              .value(
                  "--max-layer-bytes",
                  "BYTES",
                  "refuse a layer that expands beyond this many bytes (default: 32 GiB)")
              .value(
                  "--max-layer-entries",
                  "N",
                  "refuse a layer with more entries than this (default: 2000000)"));

  private String source;
  private Path dest;
  private String platform;
  private Path authfile;
  private boolean insecure;
  private String dockerHost;
  private Path cacheDir;
  private SquashfsCompression compression = SquashfsCompression.GZIP;
  private boolean force;
  private long maxLayerBytes = LayerLimits.DEFAULT.maxBytes();
  private long maxLayerEntries = LayerLimits.DEFAULT.maxEntries();

  PullCommand() {
    super(
        "pull",
        "Pull an image into an OCI-SIF file (docker://REF, oci:DIR[:TAG], oci-archive:FILE,"
            + " docker-archive:FILE, docker-daemon:IMAGE), or a SIF file (oras://REF,"
            + " http(s)://URL).",
        "SOURCE [DEST]",
        TABLE);
  }

  @Override
  List<String[]> argumentHelp() {
    return List.of(
        new String[] {
          "SOURCE", "docker://REF, oci:DIR[:TAG], …-archive:FILE, docker-daemon:IMAGE, oras://REF"
        },
        new String[] {"DEST", "the OCI-SIF to write (default: NAME_TAG.oci.sif)"});
  }

  @Override
  void arguments(List<String> args, String synopsis) throws OptionTable.UsageException {
    expect(args, 1, 2, synopsis);
    source = args.get(0);
    dest = args.size() > 1 ? OptionTable.parsePath("DEST", args.get(1)) : null;
  }

  @Override
  void option(String option, String v) throws OptionTable.UsageException {
    switch (option) {
      case "--platform" -> platform = v;
      case "--authfile" -> authfile = OptionTable.parsePath(option, v);
      case "--insecure" -> insecure = true;
      case "--docker-host" -> dockerHost = v;
      case "--cache-dir" -> cacheDir = OptionTable.parsePath(option, v);
      case "--squashfs-compression" -> compression = RunFlags.compression(option, v);
      case "--force" -> force = true;
      case "--max-layer-bytes" -> maxLayerBytes = OptionTable.parseLong(option, v);
      case "--max-layer-entries" -> maxLayerEntries = OptionTable.parseLong(option, v);
      default -> throw new IllegalStateException("option " + option + " is in TABLE only");
    }
  }

  @Override
  int call() throws Exception {
    Platform p;
    try {
      p = platform == null ? Platform.host() : Platform.parse(platform);
    } catch (IllegalArgumentException e) {
      throw new CliException(e.getMessage());
    }
    if (source.startsWith("http://") || source.startsWith("https://")) {
      return pullFile(URI.create(source));
    }
    if (source.startsWith("oras://")) {
      return pullOras();
    }
    ImageCache cache = new ImageCache(cacheDir != null ? cacheDir : ImageCache.defaultRoot());
    try (ImageSource src =
        Sources.open(source, authfile, insecure, cache.root().resolve("tmp"), dockerHost)) {
      Path out = dest != null ? dest : Path.of(src.defaultSifName());
      if (Files.exists(out) && !force) {
        throw new CliException(out + ": image file already exists (use --force to overwrite)");
      }
      LayerLimits limits;
      try {
        limits = new LayerLimits(maxLayerBytes, maxLayerEntries);
      } catch (IllegalArgumentException e) {
        throw new CliException("--max-layer-bytes and --max-layer-entries must be positive");
      }
      var puller =
          new ImagePuller(
              cache, ConsoleProgress.forStderr(), limits, Tar2Sqfs.fromPath(compression));
      PullResult r = puller.pull(src, p);
      copyInto(r.sif(), out);
      Info.line("Image " + r.manifestDigest() + " written to " + out);
      return 0;
    } catch (ImageException e) {
      throw new CliException(e.getMessage(), e);
    }
  }

  /** {@code http(s)://…/FILE.sif}: a SIF or OCI-SIF file, downloaded as it is. */
  private int pullFile(URI uri) throws Exception {
    Path out = dest != null ? dest : Path.of(HttpSifDownloader.defaultName(uri));
    if (Files.exists(out) && !force) {
      throw new CliException(out + ": image file already exists (use --force to overwrite)");
    }
    try {
      new HttpSifDownloader(insecure, ConsoleProgress.forStderr()).download(uri, out);
    } catch (ImageException e) {
      throw new CliException(e.getMessage(), e);
    }
    Info.line("Image written to " + out);
    return 0;
  }

  /** {@code oras://REF}: the SIF file of an ORAS artifact, downloaded as it is. */
  private int pullOras() throws Exception {
    ImageReference ref;
    try {
      ref = ImageReference.parse(source.substring("oras://".length()));
    } catch (IllegalArgumentException e) {
      throw new CliException(source + ": " + e.getMessage());
    }
    Path out =
        dest != null ? dest : Path.of(ref.defaultSifName().replaceFirst("\\.oci\\.sif$", ".sif"));
    if (Files.exists(out) && !force) {
      throw new CliException(out + ": image file already exists (use --force to overwrite)");
    }
    try (RegistryClient client =
        new RegistryClient(
            ref, source, Credentials.load(authfile), insecure, RetryPolicy.DEFAULT)) {
      Digest d = OrasSif.pull(client, source, ref.manifestReference(), out, Info::line);
      Info.line("Image " + d + " written to " + out);
      return 0;
    } catch (ImageException e) {
      throw new CliException(e.getMessage(), e);
    }
  }

  /** Copies atomically: a reader of DEST never sees half an image. */
  private static void copyInto(Path from, Path to) throws Exception {
    Path dir = to.toAbsolutePath().getParent();
    Path tmp = Files.createTempFile(dir, "." + to.getFileName(), ".tmp");
    try {
      // A kernel copy (sendfile): images are large and the cache is usually on the same disk.
      try (FileChannel in = FileChannel.open(from, StandardOpenOption.READ);
          FileChannel out = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
        long size = in.size();
        for (long at = 0; at < size; ) {
          at += in.transferTo(at, size - at, out);
        }
      }
      Durable.commit(tmp, to);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }
}
