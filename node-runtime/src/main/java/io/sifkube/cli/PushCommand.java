package io.sifkube.cli;

import io.sifkube.image.ImageException;
import io.sifkube.image.oci.Digest;
import io.sifkube.image.oras.OrasSif;
import io.sifkube.image.push.BlobLocations;
import io.sifkube.image.push.OciSifPush;
import io.sifkube.image.push.RegistryPusher;
import io.sifkube.image.ref.ImageReference;
import io.sifkube.image.registry.Credentials;
import io.sifkube.image.registry.RegistryClient;
import io.sifkube.image.registry.RetryPolicy;
import io.sifkube.image.store.ImageCache;
import io.sifkube.sif.SifException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * {@code sifctl push IMAGE.oci.sif docker://REF}: uploads the OCI-SIF's image to a registry as a
 * native OCI image (config, squashfs layer, manifest), like {@code singularity push} of an OCI-SIF;
 * {@code oras://REF} uploads the whole file as an ORAS artifact. A {@link TableCommand}.
 */
final class PushCommand extends TableCommand {

  private static final OptionTable TABLE =
      standard(
          new OptionTable()
              .value("--authfile", "FILE", "registry credentials (docker config.json format)")
              .flag("--insecure", "allow plain HTTP and unverified TLS to the registry")
              .value(
                  "--from",
                  "REPO",
                  "a repository on the same registry to mount existing blobs from")
              .value(
                  "--layer-format",
                  "FORMAT",
                  "squashfs (as stored, default) or tar: a gzip tar layer other runtimes can run")
              .value(
                  "--chunk-size",
                  "BYTES",
                  "blobs larger than this are uploaded in chunks of it (default 256 MiB)"));

  private Path file;
  private String dest;
  private Path authfile;
  private boolean insecure;
  private String from;
  private String layerFormat = "squashfs";
  private long chunkSize = RegistryPusher.DEFAULT_CHUNK;

  PushCommand() {
    super(
        "push",
        "Push an OCI-SIF to a registry as an OCI image (docker://REF), or any SIF as an ORAS"
            + " artifact (oras://REF).",
        "IMAGE DEST",
        TABLE);
  }

  @Override
  List<String[]> argumentHelp() {
    return List.of(
        new String[] {"IMAGE", "the OCI-SIF (or, for oras://, any SIF) file"},
        new String[] {"DEST", "docker://HOST/REPO[:TAG] or oras://HOST/REPO[:TAG]"});
  }

  @Override
  void arguments(List<String> args, String synopsis) throws OptionTable.UsageException {
    expect(args, 2, 2, synopsis);
    file = OptionTable.parsePath("IMAGE", args.get(0));
    dest = args.get(1);
  }

  @Override
  void option(String option, String v) throws OptionTable.UsageException {
    switch (option) {
      case "--authfile" -> authfile = OptionTable.parsePath(option, v);
      case "--insecure" -> insecure = true;
      case "--from" -> from = v;
      case "--layer-format" -> layerFormat = v;
      case "--chunk-size" -> chunkSize = OptionTable.parseLong(option, v);
      default -> throw new IllegalStateException("option " + option + " is in TABLE only");
    }
  }

  @Override
  int call() throws Exception {
    boolean oras = dest.startsWith("oras://");
    if (!dest.startsWith("docker://") && !oras) {
      throw new CliException(
          dest + ": push destinations are docker://HOST/REPO[:TAG] or oras://HOST/REPO[:TAG]");
    }
    if (!Files.isRegularFile(file)) {
      throw new CliException(file + ": no such file");
    }
    if (!layerFormat.equals("squashfs") && !layerFormat.equals("tar")) {
      throw new CliException("--layer-format " + layerFormat + ": must be squashfs or tar");
    }
    if (oras && layerFormat.equals("tar")) {
      throw new CliException("--layer-format tar applies to docker:// pushes, not oras://");
    }
    if (chunkSize < 1 << 20) {
      throw new CliException("--chunk-size must be at least 1048576 (1 MiB)");
    }
    ImageReference ref;
    try {
      ref = ImageReference.parse(dest.substring(dest.indexOf("://") + 3));
    } catch (IllegalArgumentException e) {
      throw new CliException(dest + ": " + e.getMessage());
    }
    if (insecure) {
      // PATCH (chunked uploads) still goes through java.net.http, which checks host names even
      // with a trust-all context; --insecure means no checks.
      System.setProperty("jdk.internal.httpclient.disableHostnameVerification", "true");
    }
    try (RegistryClient client =
        new RegistryClient(ref, dest, Credentials.load(authfile), insecure, RetryPolicy.DEFAULT)) {
      RegistryPusher pusher = new RegistryPusher(client, dest, chunkSize, Info::line);
      Digest d =
          oras
              ? OrasSif.push(file, pusher, ref.manifestReference())
              : layerFormat.equals("tar")
                  ? OciSifPush.pushAsTar(file, pusher, ref.manifestReference(), dest)
                  : OciSifPush.push(
                      file,
                      pusher,
                      ref.manifestReference(),
                      from,
                      new BlobLocations(ImageCache.defaultRoot().resolve("blob-locations")),
                      ref);
      Info.line("Image " + d + " pushed to " + dest);
      return 0;
    } catch (ImageException | SifException e) {
      throw new CliException(e.getMessage(), e);
    }
  }
}
