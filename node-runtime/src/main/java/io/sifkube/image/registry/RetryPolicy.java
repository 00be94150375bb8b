package io.sifkube.image.registry;

import java.time.Duration;

/**
 * How often and how patiently to retry a registry request that failed in a way that may pass:
 * connection errors, 429 and 5xx. A server's {@code Retry-After} is honoured up to {@link
 * #maxWait}.
 *
 * @param attempts tries in all, the first included
 * @param firstBackoff the wait after the first failure; doubled after each further one
 * @param maxWait the longest single wait
 */
public record RetryPolicy(int attempts, Duration firstBackoff, Duration maxWait) {

  public static final RetryPolicy DEFAULT =
      new RetryPolicy(5, Duration.ofMillis(250), Duration.ofSeconds(30));

  /** The wait before try {@code attempt + 1} (attempt counts from 1). */
  Duration backoff(int attempt, Duration retryAfter) {
    if (retryAfter != null) {
      return retryAfter.compareTo(maxWait) > 0 ? maxWait : retryAfter;
    }
    long ms = firstBackoff.toMillis() << Math.min(attempt - 1, 16);
    return Duration.ofMillis(Math.min(ms, maxWait.toMillis()));
  }
}
