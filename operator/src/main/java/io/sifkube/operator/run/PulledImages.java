package io.sifkube.operator.run;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The images each node has pulled for this operator by a {@code docker://} source pinned to the
 * digest of the manifest it got, without credentials and without a signature policy: a later single
 * run (not a gang) of the same source on that node is created without a {@code PullImage} call, as
 * kubelet's default policy for an image pinned by digest ({@code IfNotPresent}) does. For such a
 * source that call only finds the digest in the node's cache (siflet's {@code ImagePuller} asks no
 * registry for a manifest digest it has), so skipping it saves a round trip to the node, one of a
 * run's three calls, and nothing else. Not remembered: a digest of an index (the node resolves the
 * platform's manifest at the registry each time), {@code oras://} and file sources (the node
 * fetches those again at every pull), a run with a signature policy (the node checks the signatures
 * at the pull) or with credentials (the node checks their form and registry host).
 *
 * <p>The memory is not per namespace: an entry exists only after a pull of that exact source
 * without credentials succeeded, so any run could have made the same pull. If the node has dropped
 * the image meanwhile (its garbage collection, another node at the address), the create answers
 * NOT_FOUND and the run pulls again ({@link #forget}).
 */
final class PulledImages {

  /** How many node and source pairs are remembered, the least recently used dropped first. */
  static final int LIMIT = 4096;

  private static final Pattern PINNED = Pattern.compile("docker://[^@\\s]+@sha256:[0-9a-f]{64}");

  private final Map<String, String> digests =
      new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, String> eldest) {
          return size() > LIMIT;
        }
      };

  /**
   * Whether a pull of {@code source} may be skipped where the node pulled it before: a {@code
   * docker://} source pinned to a digest, with no credentials and no signature policy.
   */
  static boolean skippable(String source, boolean credentials, boolean policy) {
    return !credentials && !policy && PINNED.matcher(source).matches();
  }

  /** Whether a pull of {@code source} that gave {@code manifestDigest} is one to remember. */
  static boolean rememberable(String source, String manifestDigest) {
    return source.endsWith("@" + manifestDigest);
  }

  /** The manifest digest {@code address} pulled {@code source} as, if remembered. */
  synchronized Optional<String> digest(String address, String source) {
    return Optional.ofNullable(digests.get(key(address, source)));
  }

  /**
   * Remembers a pull of a {@link #skippable} source, if it named the manifest it gave ({@link
   * #rememberable}).
   */
  synchronized void pulled(String address, String source, String digest) {
    if (rememberable(source, digest)) {
      digests.put(key(address, source), digest);
    }
  }

  /** The node no longer has the image: the next run pulls it. */
  synchronized void forget(String address, String source) {
    digests.remove(key(address, source));
  }

  private static String key(String address, String source) {
    return address + " " + source;
  }
}
