package io.sifkube.image.registry;

import io.sifkube.image.ImageException;
import io.sifkube.image.ImageException.Reason;
import io.sifkube.image.oci.Descriptor;
import io.sifkube.image.oci.Digest;
import io.sifkube.image.oci.ImageDocuments;
import io.sifkube.image.oci.Platform;
import io.sifkube.image.pull.ImageSource;
import io.sifkube.image.pull.ResolvedImage;
import io.sifkube.image.ref.ImageReference;
import java.io.IOException;
import java.io.InputStream;
import java.util.Optional;

/**
 * {@code docker://REF}: an image on an OCI distribution registry. Manifests are verified against
 * the digest they were asked for (a tag's manifest gets the digest of its bytes; response headers
 * are never trusted); an index is resolved to the requested platform. Blob downloads resume with
 * {@code Range} requests when a connection drops.
 */
public final class RegistrySource implements ImageSource {

  private static final int MAX_MANIFEST = 4 << 20;
  private static final int MAX_RESUMES = 5;

  private final ImageReference ref;
  private final RegistryClient client;
  private final String name;

  public RegistrySource(
      ImageReference ref, Credentials credentials, boolean insecure, RetryPolicy retry) {
    this.ref = ref;
    this.name = "docker://" + ref;
    this.client = new RegistryClient(ref, name, credentials, insecure, retry);
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public Optional<Digest> pinnedDigest() {
    return ref.pinnedDigest();
  }

  @Override
  public String defaultSifName() {
    return ref.defaultSifName();
  }

  @Override
  public ResolvedImage resolve(Platform platform) throws IOException {
    Fetched top = fetchManifest(ref.manifestReference(), ref.pinnedDigest().orElse(null));
    Fetched m = top;
    if (ImageDocuments.isIndex(top.mediaType)) {
      Descriptor d;
      try {
        d = ImageDocuments.select(ImageDocuments.index(top.body, top.mediaType), platform);
      } catch (IllegalArgumentException e) {
        throw new ImageException(Reason.NOT_FOUND, name + ": " + e.getMessage());
      }
      m = fetchManifest(d.digest().toString(), d.digest());
      if (ImageDocuments.isIndex(m.mediaType)) {
        throw new ImageException(
            Reason.UNSUPPORTED, name + ": nested image indexes are not supported");
      }
    }
    try {
      return new ResolvedImage(m.digest, ImageDocuments.manifest(m.body, m.mediaType), m.body);
    } catch (IllegalArgumentException e) {
      throw new ImageException(
          Reason.INVALID, name + ": manifest " + m.digest + ": " + e.getMessage());
    }
  }

  private record Fetched(Digest digest, String mediaType, byte[] body) {}

  private Fetched fetchManifest(String reference, Digest expected) throws IOException {
    RegistryClient.Response r =
        client.get("manifests/" + reference, RegistryClient.MANIFEST_ACCEPT, 0);
    byte[] body;
    try (InputStream in = r.body()) {
      body = in.readNBytes(MAX_MANIFEST + 1);
    }
    if (body.length > MAX_MANIFEST) {
      throw new ImageException(
          Reason.INVALID, name + ": manifest " + reference + " is larger than 4 MiB");
    }
    Digest actual = Digest.sha256(body);
    if (expected != null && !actual.equals(expected)) {
      throw new ImageException(
          Reason.DIGEST_MISMATCH,
          name + ": manifest digest mismatch: expected " + expected + ", got " + actual);
    }
    try {
      return new Fetched(actual, ImageDocuments.mediaTypeOf(body, r.contentType()), body);
    } catch (IllegalArgumentException e) {
      throw new ImageException(
          Reason.INVALID, name + ": manifest " + reference + ": " + e.getMessage());
    }
  }

  @Override
  public boolean concurrentBlobs() {
    return true;
  }

  @Override
  public InputStream openBlob(Descriptor d) throws IOException {
    return new ResumingStream(d, client.get("blobs/" + d.digest(), null, 0).body());
  }

  @Override
  public void close() {
    client.close();
  }

  /** Re-requests the rest of a blob with {@code Range} when its connection breaks. */
  private final class ResumingStream extends InputStream {
    private final Descriptor d;
    private InputStream in;
    private long read;
    private int resumes;

    ResumingStream(Descriptor d, InputStream in) {
      this.d = d;
      this.in = in;
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      while (true) {
        try {
          int n = in.read(b, off, len);
          if (n > 0) {
            read += n;
          }
          if (n < 0 && read < d.size() && resumes < MAX_RESUMES) {
            reopen(); // the connection ended early: ask for the rest
            continue;
          }
          return n;
        } catch (ImageException e) {
          throw e;
        } catch (IOException e) {
          if (resumes >= MAX_RESUMES || read >= d.size()) {
            throw new ImageException(
                Reason.UNAVAILABLE,
                name + ": blob " + d.digest() + " download failed: " + e.getMessage(),
                e);
          }
          reopen();
        }
      }
    }

    private void reopen() throws IOException {
      resumes++;
      try {
        in.close();
      } catch (IOException ignored) {
        // the old connection is broken anyway
      }
      RegistryClient.Response r = client.get("blobs/" + d.digest(), null, read);
      in = r.body();
      if (r.status() == 416) {
        resumes = MAX_RESUMES; // the registry has no more bytes: stop asking
        return;
      }
      if (r.status() == 200 && read > 0) {
        // The server ignored Range: skip what we already have.
        try {
          in.skipNBytes(read);
        } catch (IOException e) {
          throw new ImageException(
              Reason.UNAVAILABLE,
              name + ": could not resume blob " + d.digest() + ": " + e.getMessage(),
              e);
        }
      }
    }

    @Override
    public void close() throws IOException {
      in.close();
    }
  }
}
