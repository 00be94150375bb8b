package io.sifkube.operator;

import io.javaoperatorsdk.operator.processing.retry.GenericRetry;
import io.javaoperatorsdk.operator.processing.retry.Retry;
import io.javaoperatorsdk.operator.processing.retry.RetryExecution;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;

/**
 * JOSDK's exponential retry with jitter: each delay is the exponential one (doubling from {@code
 * initial}, at most {@code max}) times a random factor in [0.8, 1.2], so that the runs of a node
 * that came back, or of an API server that recovered, do not all try again in the same instant.
 * Attempts are not limited: the interval is, and what can never succeed is not retried at all (the
 * reconcilers end such runs as Failed instead of throwing).
 */
public final class JitteredRetry implements Retry {

  private final GenericRetry exponential;

  public JitteredRetry(Duration initial, Duration max) {
    this.exponential =
        new GenericRetry()
            .setInitialInterval(initial.toMillis())
            .setIntervalMultiplier(2)
            .setMaxInterval(max.toMillis())
            .withoutMaxAttempts();
  }

  @Override
  public RetryExecution initExecution() {
    RetryExecution e = exponential.initExecution();
    return new RetryExecution() {
      @Override
      public Optional<Long> nextDelay() {
        return e.nextDelay()
            .map(d -> (long) (d * ThreadLocalRandom.current().nextDouble(0.8, 1.2)));
      }

      @Override
      public int getAttemptCount() {
        return e.getAttemptCount();
      }

      @Override
      public boolean isLastAttempt() {
        return e.isLastAttempt();
      }
    };
  }
}
