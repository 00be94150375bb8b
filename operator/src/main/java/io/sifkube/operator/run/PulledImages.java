package io.sifkube.operator.run;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The images each node has pulled for this operator by a source pinned to a digest, without
 * credentials and without a signature policy: a later run of the same source on that node is
 * created without a {@code PullImage} call, as kubelet's default policy for an image pinned by
 * digest ({@code IfNotPresent}) does. For such a source that call only found the digest in the
 * node's cache (siflet asks no registry for a digest it has), so skipping it saves a round trip to
 * the node (one of a run's three calls) and nothing else. A run with a signature policy is still
 * pulled every time, as the node checks the signatures then, and one with credentials, whose form
 * and registry host the node checks. If the node has dropped the image meanwhile (its garbage
 * collection, another node at the address), the create answers NOT_FOUND and the run pulls again
 * ({@link #forget}).
 */
final class PulledImages {

  /** How many node and source pairs are remembered, the least recently used dropped first. */
  static final int LIMIT = 4096;

  private static final Pattern PINNED =
      Pattern.compile("(docker|oras)://[^@\\s]+@sha256:[0-9a-f]{64}");

  private final Map<String, String> digests =
      new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, String> eldest) {
          return size() > LIMIT;
        }
      };

  /**
   * Whether a pull of {@code source} may be skipped where the node pulled it before: pinned to a
   * digest, with no credentials and no signature policy.
   */
  static boolean skippable(String source, boolean credentials, boolean policy) {
    return !credentials && !policy && PINNED.matcher(source).matches();
  }

  /** The manifest digest {@code address} pulled {@code source} as, if remembered. */
  synchronized Optional<String> digest(String address, String source) {
    return Optional.ofNullable(digests.get(key(address, source)));
  }

  /** Remembers a pull {@link #skippable} allowed to skip next time. */
  synchronized void pulled(String address, String source, String digest) {
    digests.put(key(address, source), digest);
  }

  /** The node no longer has the image: the next run pulls it. */
  synchronized void forget(String address, String source) {
    digests.remove(key(address, source));
  }

  private static String key(String address, String source) {
    return address + " " + source;
  }
}
