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
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code sifctl push IMAGE.oci.sif docker://REF}: uploads the OCI-SIF's image to a registry as a
 * native OCI image (config, squashfs layer, manifest), like {@code singularity push} of an OCI-SIF;
 * {@code oras://REF} uploads the whole file as an ORAS artifact.
 */
@Command(
    name = "push",
    mixinStandardHelpOptions = true,
    description =
        "Push an OCI-SIF to a registry as an OCI image (docker://REF), or any SIF as an ORAS"
            + " artifact (oras://REF).")
final class PushCommand implements Callable<Integer> {

  @Parameters(index = "0", paramLabel = "IMAGE", description = "the OCI-SIF file")
  Path file;

  @Parameters(index = "1", paramLabel = "DEST", description = "docker://HOST/REPO[:TAG]")
  String dest;

  @Option(names = "--authfile", description = "registry credentials (docker config.json format)")
  Path authfile;

  @Option(names = "--insecure", description = "allow plain HTTP and unverified TLS to the registry")
  boolean insecure;

  @Option(
      names = "--from",
      paramLabel = "REPO",
      description = "a repository on the same registry to mount existing blobs from")
  String from;

  @Option(
      names = "--layer-format",
      paramLabel = "FORMAT",
      description = "squashfs (as stored, default) or tar: a gzip tar layer other runtimes can run")
  String layerFormat = "squashfs";

  @Option(
      names = "--chunk-size",
      paramLabel = "BYTES",
      description = "blobs larger than this are uploaded in chunks of it (default 64 MiB)")
  long chunkSize = RegistryPusher.DEFAULT_CHUNK;

  @Override
  public Integer call() throws Exception {
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
