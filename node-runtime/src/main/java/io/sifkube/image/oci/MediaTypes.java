package io.sifkube.image.oci;

/** The OCI, Docker and Sylabs media types Sifkube reads and writes. */
public final class MediaTypes {

  public static final String OCI_INDEX = "application/vnd.oci.image.index.v1+json";
  public static final String OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
  public static final String OCI_CONFIG = "application/vnd.oci.image.config.v1+json";
  public static final String OCI_EMPTY = "application/vnd.oci.empty.v1+json";
  public static final String DOCKER_MANIFEST_LIST =
      "application/vnd.docker.distribution.manifest.list.v2+json";
  public static final String DOCKER_MANIFEST =
      "application/vnd.docker.distribution.manifest.v2+json";
  public static final String DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json";

  /** The single squashfs layer of an OCI-SIF; stored uncompressed, so digest = diff_id. */
  public static final String SIF_SQUASHFS_LAYER = "application/vnd.sylabs.image.layer.v1.squashfs";

  /** An ext3 overlay layer; only ever the last layer of an OCI-SIF. */
  public static final String SIF_EXT3_LAYER = "application/vnd.sylabs.image.layer.v1.ext3";

  private MediaTypes() {}

  /** True for the manifest types an OCI-SIF index may reference. */
  public static boolean isManifest(String mediaType) {
    return OCI_MANIFEST.equals(mediaType) || DOCKER_MANIFEST.equals(mediaType);
  }

  /** The config media type that goes with a manifest media type. */
  public static String configFor(String manifestMediaType) {
    return DOCKER_MANIFEST.equals(manifestMediaType) ? DOCKER_CONFIG : OCI_CONFIG;
  }
}
