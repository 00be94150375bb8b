package io.sifkube.image.push;

import io.sifkube.image.ImageException;
import io.sifkube.image.ImageException.Reason;
import io.sifkube.image.oci.Digest;
import io.sifkube.image.registry.HttpReply;
import io.sifkube.image.registry.RegistryClient;
import io.sifkube.image.registry.RequestBody;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Uploads blobs and a manifest to one repository as the OCI distribution spec describes: a HEAD
 * first (a blob the registry has is not sent again), a cross-repository mount when a source
 * repository on the same registry is known, a single PUT for blobs up to the chunk size and PATCHed
 * chunks beyond it, the manifest last (a tag never points at missing blobs). The registry's digest
 * answers are checked against ours.
 */
public final class RegistryPusher {

  /** Blobs up to this size go in one request; larger ones in chunks of it. */
  public static final long DEFAULT_CHUNK = 256L << 20;

  private final RegistryClient client;
  private final String image;
  private final long chunk;
  private final Consumer<String> progress;

  public RegistryPusher(
      RegistryClient client, String image, long chunk, Consumer<String> progress) {
    this.client = client.forPush();
    this.image = image;
    this.chunk = chunk;
    this.progress = progress;
  }

  /** The bytes of a blob: a byte range of a file, readable again for each try. */
  public record Blob(Digest digest, long size, Path file, long offset) {
    public static Blob of(Digest digest, Path file, long offset, long size) {
      return new Blob(digest, size, file, offset);
    }

    /** The bytes [from, from + length) as a request body, read afresh for each try. */
    RequestBody body(long from, long length) {
      return RequestBody.ofFile(file, offset + from, length);
    }
  }

  /**
   * Uploads {@code blob} unless the repository has it; with {@code mountFrom}, asks the registry to
   * mount it from that repository first.
   *
   * @return true when bytes were sent, false when the registry had or mounted it
   */
  public boolean pushBlob(Blob blob, String mountFrom) throws IOException {
    String d = blob.digest().toString();
    HttpReply head = client.exchange("HEAD", "blobs/" + d, Map.of(), null, "checking blob " + d);
    if (head.status() == 200) {
      close(head);
      progress.accept("Copying blob " + d + " skipped: already exists");
      return false;
    }
    if (head.status() != 404) {
      throw unexpected(head, "checking blob " + d);
    }
    close(head);
    String start = "blobs/uploads/";
    if (mountFrom != null) {
      start += "?mount=" + enc(d) + "&from=" + enc(mountFrom);
    }
    HttpReply begun = client.exchange("POST", start, Map.of(), null, "starting upload");
    if (begun.status() == 201) {
      close(begun);
      progress.accept("Copying blob " + d + " mounted from " + mountFrom);
      return false;
    }
    if (begun.status() != 202) {
      throw unexpected(begun, "starting the upload of blob " + d);
    }
    close(begun);
    String location = location(begun, "upload of blob " + d);
    long chunks = (blob.size() + chunk - 1) / chunk;
    progress.accept(
        "Copying blob "
            + d
            + " ("
            + blob.size()
            + " bytes"
            + (chunks > 1 ? " in " + chunks + " chunks)" : ")"));
    HttpReply done;
    if (blob.size() <= chunk) {
      done =
          client.exchange(
              "PUT",
              withDigest(location, d),
              Map.of("Content-Type", "application/octet-stream"),
              blob.body(0, blob.size()),
              "uploading blob " + d);
    } else {
      for (long at = 0; at < blob.size(); at += chunk) {
        long n = Math.min(chunk, blob.size() - at);
        HttpReply part =
            client.exchange(
                "PATCH",
                location,
                Map.of(
                    "Content-Type",
                    "application/octet-stream",
                    "Content-Range",
                    at + "-" + (at + n - 1)),
                blob.body(at, n),
                "uploading blob " + d);
        if (part.status() != 202) {
          throw unexpected(part, "uploading bytes " + at + "+" + n + " of blob " + d);
        }
        close(part);
        location = location(part, "upload of blob " + d);
      }
      done = client.exchange("PUT", withDigest(location, d), Map.of(), null, "finishing blob " + d);
    }
    if (done.status() != 201) {
      throw unexpected(done, "uploading blob " + d);
    }
    close(done);
    checkDigest(done, blob.digest(), "blob");
    return true;
  }

  /** PUTs the manifest under {@code reference} (a tag or its digest). */
  public void pushManifest(byte[] manifest, String mediaType, String reference) throws IOException {
    Digest d = Digest.sha256(manifest);
    progress.accept("Writing manifest " + d + " to " + image);
    HttpReply r =
        client.exchange(
            "PUT",
            "manifests/" + reference,
            Map.of("Content-Type", mediaType),
            RequestBody.of(manifest),
            "writing manifest " + d);
    if (r.status() != 201 && r.status() != 200) {
      throw unexpected(r, "writing manifest " + d);
    }
    close(r);
    checkDigest(r, d, "manifest");
  }

  private void checkDigest(HttpReply r, Digest want, String what) throws ImageException {
    String got = r.header("Docker-Content-Digest").orElse(null);
    if (got != null && !got.equals(want.toString())) {
      throw new ImageException(
          Reason.DIGEST_MISMATCH,
          image + ": the registry stored " + what + " " + want + " as " + got);
    }
  }

  private String location(HttpReply r, String what) throws ImageException {
    String loc =
        r.header("Location")
            .orElseThrow(
                () ->
                    new ImageException(
                        Reason.INVALID, image + ": the registry gave no Location for " + what));
    if (loc.startsWith("http://") || loc.startsWith("https://") || loc.startsWith("/")) {
      return loc;
    }
    return "/" + loc;
  }

  private static String withDigest(String location, String digest) {
    return location + (location.contains("?") ? "&" : "?") + "digest=" + enc(digest);
  }

  private ImageException unexpected(HttpReply r, String what) {
    String detail = RegistryClient.detail(r);
    Reason reason = r.status() == 404 ? Reason.NOT_FOUND : Reason.INVALID;
    return new ImageException(reason, image + ": HTTP " + r.status() + " " + what + detail);
  }

  private static void close(HttpReply r) {
    r.close();
  }

  private static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }
}
