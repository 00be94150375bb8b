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
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code sifctl pull SOURCE [DEST]}: fetches an image into the cache as an OCI-SIF and copies it to
 * DEST (default {@code NAME_TAG.oci.sif}), like {@code singularity pull --oci}.
 */
@Command(
    name = "pull",
    mixinStandardHelpOptions = true,
    description =
        "Pull an image into an OCI-SIF file (docker://REF, oci:DIR[:TAG], oci-archive:FILE,"
            + " docker-archive:FILE, docker-daemon:IMAGE), or a SIF file (oras://REF,"
            + " http(s)://URL).")
final class PullCommand implements Callable<Integer> {

  @Parameters(
      index = "0",
      paramLabel = "SOURCE",
      description = "docker://REF, oci:DIR[:TAG], …-archive:FILE, docker-daemon:IMAGE, oras://REF")
  String source;

  @Parameters(
      index = "1",
      arity = "0..1",
      paramLabel = "DEST",
      description = "the OCI-SIF to write")
  Path dest;

  @Option(names = "--platform", description = "OS/ARCH[/VARIANT] to pull (default: this host)")
  String platform;

  @Option(names = "--authfile", description = "registry credentials (docker config.json format)")
  Path authfile;

  @Option(names = "--insecure", description = "allow plain HTTP and unverified TLS to the registry")
  boolean insecure;

  @Option(
      names = "--docker-host",
      paramLabel = "URI",
      description =
          "Docker daemon of docker-daemon: sources (default: $DOCKER_HOST or"
              + " unix:///var/run/docker.sock)")
  String dockerHost;

  @Option(
      names = "--cache-dir",
      description = "cache directory (default: $SIFKUBE_CACHEDIR or ~/.cache/sifkube)")
  Path cacheDir;

  @Option(
      names = "--squashfs-compression",
      paramLabel = "gzip|lz4|zstd|xz",
      converter = CompressionConverter.class,
      description =
          "compressor of the squashfs layer (default gzip, which every SingularityCE and kernel"
              + " reads; lz4 and zstd squash and start faster, xz is smallest). An image that is"
              + " already an OCI-SIF is kept as it was pushed.")
  SquashfsCompression compression = SquashfsCompression.GZIP;

  @Option(
      names = {"-F", "--force"},
      description = "overwrite DEST if it exists")
  boolean force;

  @Option(
      names = "--max-layer-bytes",
      description = "refuse a layer that expands beyond this many bytes (default: 32 GiB)")
  long maxLayerBytes = LayerLimits.DEFAULT.maxBytes();

  @Option(
      names = "--max-layer-entries",
      description = "refuse a layer with more entries than this (default: 2000000)")
  long maxLayerEntries = LayerLimits.DEFAULT.maxEntries();

  @Override
  public Integer call() throws Exception {
    Platform p;
    try {
      p = platform == null ? Platform.host() : Platform.parse(platform);
    } catch (IllegalArgumentException e) {
      throw new CliException(e.getMessage());
    }
    if (insecure) {
      // java.net.http checks host names even with a trust-all context; --insecure means no checks.
      System.setProperty("jdk.internal.httpclient.disableHostnameVerification", "true");
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

  /** Parses {@code --squashfs-compression}, naming the choices when the value is none of them. */
  static final class CompressionConverter
      implements picocli.CommandLine.ITypeConverter<SquashfsCompression> {
    @Override
    public SquashfsCompression convert(String value) {
      try {
        return SquashfsCompression.parse(value);
      } catch (IllegalArgumentException e) {
        throw new picocli.CommandLine.TypeConversionException(e.getMessage());
      }
    }
  }
}
