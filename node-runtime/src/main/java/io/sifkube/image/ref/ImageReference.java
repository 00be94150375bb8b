package io.sifkube.image.ref;

import io.sifkube.image.oci.Digest;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A registry image reference, {@code [REGISTRY/]REPO[:TAG][@DIGEST]}, normalised with Docker's
 * rules: no registry means Docker Hub, a one-component Docker Hub name lives under {@code
 * library/}, and no tag and no digest means {@code latest}.
 *
 * @param registry the registry host[:port] as written ({@code docker.io} for Docker Hub)
 * @param repository the repository path ({@code library/ubuntu})
 * @param tag the tag, or null when the reference pins only a digest
 * @param digest the pinned manifest digest, or null
 */
public record ImageReference(String registry, String repository, String tag, Digest digest) {

  /** Docker Hub's name in references. */
  public static final String DOCKER_HUB = "docker.io";

  /** Where Docker Hub's registry API actually answers. */
  static final String DOCKER_HUB_API = "registry-1.docker.io";

  private static final Pattern COMPONENT = Pattern.compile("[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*");
  private static final Pattern TAG = Pattern.compile("[\\w][\\w.-]{0,127}");
  private static final Pattern HOST =
      Pattern.compile(
          "(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)(?:\\.[a-zA-Z0-9-]+)*(?::\\d{1,5})?"
              + "|\\[[0-9a-fA-F:]+\\](?::\\d{1,5})?");

  /**
   * Parses a reference as {@code docker pull} does.
   *
   * @throws IllegalArgumentException naming the reference and what is wrong with it
   */
  public static ImageReference parse(String text) {
    if (text.isEmpty() || text.length() > 4096) {
      throw invalid(text, "empty or longer than 4096 characters");
    }
    String rest = text;
    Digest digest = null;
    int at = rest.indexOf('@');
    if (at >= 0) {
      try {
        digest = Digest.parse(rest.substring(at + 1));
      } catch (IllegalArgumentException e) {
        throw invalid(text, e.getMessage());
      }
      rest = rest.substring(0, at);
    }
    String tag = null;
    int colon = rest.lastIndexOf(':');
    if (colon > rest.lastIndexOf('/')) {
      tag = rest.substring(colon + 1);
      rest = rest.substring(0, colon);
      if (!TAG.matcher(tag).matches()) {
        throw invalid(text, "invalid tag \"" + tag + "\"");
      }
    }
    String registry = DOCKER_HUB;
    String repo = rest;
    int slash = rest.indexOf('/');
    if (slash > 0) {
      String first = rest.substring(0, slash);
      if (first.contains(".")
          || first.contains(":")
          || first.equals("localhost")
          || first.startsWith("[")) {
        registry = first;
        repo = rest.substring(slash + 1);
        if (!HOST.matcher(registry).matches()) {
          throw invalid(text, "invalid registry host \"" + registry + "\"");
        }
      }
    }
    if (registry.equals("index.docker.io")) {
      registry = DOCKER_HUB;
    }
    if (registry.equals(DOCKER_HUB) && !repo.contains("/")) {
      repo = "library/" + repo;
    }
    if (repo.isEmpty() || repo.length() > 255) {
      throw invalid(text, "repository name is empty or too long");
    }
    for (String c : repo.split("/", -1)) {
      if (!COMPONENT.matcher(c).matches()) {
        throw invalid(
            text,
            "invalid repository name component \""
                + c
                + "\" (lowercase letters, digits and separators . _ __ -)");
      }
    }
    if (tag == null && digest == null) {
      tag = "latest";
    }
    return new ImageReference(registry, repo, tag, digest);
  }

  /** The host[:port] to send registry API requests to. */
  public String apiHost() {
    return registry.equals(DOCKER_HUB) ? DOCKER_HUB_API : registry;
  }

  /** The digest if pinned, otherwise the tag: what goes after {@code /manifests/}. */
  public String manifestReference() {
    return digest != null ? digest.toString() : tag;
  }

  public Optional<Digest> pinnedDigest() {
    return Optional.ofNullable(digest);
  }

  /** True for registries on this machine, which may be spoken to over plain HTTP. */
  public boolean isLoopback() {
    return isLoopbackHost(registry.replaceFirst(":\\d+$", ""));
  }

  /** True for this machine's own names: localhost, 127.0.0.0/8 and ::1 (bracketed or not). */
  public static boolean isLoopbackHost(String host) {
    String h = String.valueOf(host).toLowerCase(Locale.ROOT);
    return h.equals("localhost") || h.startsWith("127.") || h.equals("[::1]") || h.equals("::1");
  }

  /** The file name SingularityCE gives a pulled image: {@code NAME_TAG.oci.sif}. */
  public String defaultSifName() {
    String name = repository.substring(repository.lastIndexOf('/') + 1);
    String suffix = tag != null ? tag : digest.algorithm() + "." + digest.hex();
    return name + "_" + suffix + ".oci.sif";
  }

  /** The canonical text form, e.g. {@code docker.io/library/ubuntu:latest}. */
  @Override
  public String toString() {
    StringBuilder s = new StringBuilder(registry).append('/').append(repository);
    if (tag != null) {
      s.append(':').append(tag);
    }
    if (digest != null) {
      s.append('@').append(digest);
    }
    return s.toString();
  }

  private static IllegalArgumentException invalid(String text, String why) {
    return new IllegalArgumentException("invalid image reference \"" + text + "\": " + why);
  }
}
