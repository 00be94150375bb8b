package io.sifkube.siflet.images;

import io.sifkube.image.ImageException;
import io.sifkube.image.ImageException.Reason;
import io.sifkube.image.oras.OrasSif;
import io.sifkube.image.pull.HttpSifDownloader;
import io.sifkube.image.pull.PullListener;
import io.sifkube.image.pull.PullResult;
import io.sifkube.image.ref.ImageReference;
import io.sifkube.image.registry.Credentials;
import io.sifkube.image.registry.RegistryClient;
import io.sifkube.image.registry.RetryPolicy;
import io.sifkube.image.store.ImageCache;
import io.sifkube.sif.SifException;
import io.sifkube.sif.oci.OciSifImage;
import io.sifkube.sif.oci.OciSifReader;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Sources that are already OCI-SIF files — {@code oras://} artifacts and {@code http(s)://} URLs —
 * kept byte for byte (their signatures with them) in the cache under their manifest digest. They
 * are fetched each time: the file behind a tag or URL may change, and its signatures with it.
 */
final class SifFileSources {

  private SifFileSources() {}

  static boolean handles(String source) {
    return source.startsWith("oras://")
        || source.startsWith("https://")
        || source.startsWith("http://");
  }

  static PullResult fetch(
      String source,
      Credentials credentials,
      boolean insecure,
      ImageCache cache,
      PullListener listener,
      java.util.function.Consumer<Path> fetched)
      throws IOException {
    Path tmp = cache.tempFile(".sif");
    try {
      if (source.startsWith("oras://")) {
        ImageReference ref;
        try {
          ref = ImageReference.parse(source.substring("oras://".length()));
        } catch (IllegalArgumentException e) {
          throw new ImageException(Reason.INVALID, source + ": " + e.getMessage(), e);
        }
        try (RegistryClient client =
            new RegistryClient(ref, source, credentials, insecure, RetryPolicy.DEFAULT)) {
          OrasSif.pull(client, source, ref.manifestReference(), tmp, listener::info);
        }
      } else {
        new HttpSifDownloader(insecure, listener).download(URI.create(source), tmp);
      }
      OciSifImage img;
      try {
        img = OciSifReader.read(tmp);
      } catch (SifException e) {
        throw new ImageException(
            Reason.UNSUPPORTED,
            source + ": siflet runs OCI-SIF images; this SIF is not one (" + e.getMessage() + ")",
            e);
      }
      fetched.accept(tmp);
      Path dest = cache.sifPath(img.manifestDigest());
      Files.createDirectories(dest.getParent());
      // The file as served replaces one made from the same image by conversion, which has no
      // signatures; a container running from the old file keeps its inode.
      cache.commit(tmp, dest);
      return new PullResult(dest, img.manifestDigest(), false);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }
}
