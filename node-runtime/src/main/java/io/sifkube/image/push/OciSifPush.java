package io.sifkube.image.push;

import io.sifkube.image.oci.Digest;
import io.sifkube.image.ref.ImageReference;
import io.sifkube.sif.SifFile;
import io.sifkube.sif.oci.OciSifImage;
import io.sifkube.sif.oci.OciSifReader;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Pushes an OCI-SIF's image as the native OCI image it holds, as SingularityCE 4 does: the config,
 * the squashfs layer (with SingularityCE's layer media type) and the manifest, byte for byte as
 * stored, so the pushed image has the OCI-SIF's manifest digest and a pull gives the same file.
 */
public final class OciSifPush {

  /** Manifests and configs are small documents; a larger one is not an OCI-SIF we wrote. */
  private static final int MAX_DOCUMENT = 4 << 20;

  private OciSifPush() {}

  /**
   * @param reference the tag (or the manifest digest) to push under
   * @param mountFrom a repository on the same registry that may already hold the blobs, or null
   * @return the manifest digest
   */
  public static Digest push(Path file, RegistryPusher pusher, String reference, String mountFrom)
      throws IOException {
    return push(file, pusher, reference, mountFrom, null, null);
  }

  /**
   * As {@link #push(Path, RegistryPusher, String, String)}; without {@code mountFrom}, each blob is
   * mounted from the repository of {@code target}'s registry that {@code locations} last saw it
   * pushed to, and every blob pushed is recorded there.
   */
  public static Digest push(
      Path file,
      RegistryPusher pusher,
      String reference,
      String mountFrom,
      BlobLocations locations,
      ImageReference target)
      throws IOException {
    try (SifFile sif = SifFile.open(file)) {
      OciSifImage img = OciSifReader.read(sif);
      byte[] manifest = OciSifReader.readBlob(sif, img.manifestDigest(), MAX_DOCUMENT);
      List<RegistryPusher.Blob> blobs = new ArrayList<>();
      for (OciSifImage.Layer l : img.layers()) {
        blobs.add(RegistryPusher.Blob.of(l.digest(), file, l.offset(), l.size()));
      }
      var config = OciSifReader.blobDescriptor(sif, img.configDigest());
      blobs.add(RegistryPusher.Blob.of(img.configDigest(), file, config.offset(), config.size()));
      for (RegistryPusher.Blob b : blobs) {
        String from = mountFrom;
        if (from == null && locations != null) {
          from = locations.mountSource(b.digest(), target.registry(), target.repository());
        }
        pusher.pushBlob(b, from);
        if (locations != null) {
          locations.record(b.digest(), target.registry(), target.repository());
        }
      }
      pusher.pushManifest(manifest, img.manifestMediaType(), reference);
      return img.manifestDigest();
    }
  }

  /**
   * Pushes the image with its squashfs layer turned into a gzip tar layer ({@link TarLayer}), so
   * that runtimes other than SingularityCE and Sifkube can run it; the config's diff_id and the
   * manifest are rewritten for it (the image gets a new digest).
   *
   * @return the pushed manifest's digest
   */
  public static Digest pushAsTar(Path file, RegistryPusher pusher, String reference, String image)
      throws IOException {
    Path work = java.nio.file.Files.createTempDirectory("sifkube-push");
    try (SifFile sif = SifFile.open(file)) {
      OciSifImage img = OciSifReader.read(sif);
      if (img.layers().size() != 1
          || !io.sifkube.image.oci.MediaTypes.SIF_SQUASHFS_LAYER.equals(
              img.layers().get(0).mediaType())) {
        throw new io.sifkube.image.ImageException(
            io.sifkube.image.ImageException.Reason.UNSUPPORTED,
            file
                + ": --layer-format tar converts a single squashfs layer; this image has "
                + img.layers().size()
                + " layer(s)");
      }
      OciSifImage.Layer l = img.layers().get(0);
      Path sqfs = work.resolve("layer.sqfs");
      try (var in = java.nio.channels.FileChannel.open(file);
          var out =
              java.nio.channels.FileChannel.open(
                  sqfs,
                  java.nio.file.StandardOpenOption.CREATE_NEW,
                  java.nio.file.StandardOpenOption.WRITE)) {
        for (long at = 0; at < l.size(); ) {
          at += in.transferTo(l.offset() + at, l.size() - at, out);
        }
      }
      TarLayer tar = TarLayer.of(sqfs, image);
      java.nio.file.Files.delete(sqfs);
      var config =
          (com.fasterxml.jackson.databind.node.ObjectNode)
              io.sifkube.json.Json.read(
                  OciSifReader.readBlob(sif, img.configDigest(), MAX_DOCUMENT));
      var rootfs = config.putObject("rootfs");
      rootfs.put("type", "layers");
      rootfs.putArray("diff_ids").add(tar.diffId().toString());
      byte[] configBytes = io.sifkube.json.Json.bytes(config);
      Path configFile = work.resolve("config.json");
      java.nio.file.Files.write(configFile, configBytes);
      String manifestType = img.manifestMediaType();
      String layerType =
          manifestType.equals(io.sifkube.image.oci.MediaTypes.OCI_MANIFEST)
              ? "application/vnd.oci.image.layer.v1.tar+gzip"
              : "application/vnd.docker.image.rootfs.diff.tar.gzip";
      Digest configDigest = Digest.sha256(configBytes);
      var m = io.sifkube.json.Json.object();
      m.put("schemaVersion", 2);
      m.put("mediaType", manifestType);
      m.set(
          "config",
          io.sifkube.sif.oci.OciJson.descriptor(
              io.sifkube.image.oci.MediaTypes.configFor(manifestType),
              configBytes.length,
              configDigest));
      m.putArray("layers")
          .add(io.sifkube.sif.oci.OciJson.descriptor(layerType, tar.size(), tar.digest()));
      byte[] manifest = io.sifkube.sif.oci.OciJson.bytes(m);
      pusher.pushBlob(RegistryPusher.Blob.of(tar.digest(), tar.gz(), 0, tar.size()), null);
      pusher.pushBlob(
          RegistryPusher.Blob.of(configDigest, configFile, 0, configBytes.length), null);
      pusher.pushManifest(manifest, manifestType, reference);
      return Digest.sha256(manifest);
    } finally {
      io.sifkube.runtime.ContainerLauncher.deleteTree(work);
    }
  }
}
