package io.sifkube.sif;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.UUID;

/**
 * How to create a SIF: launch script, image UUID, time and descriptor capacity.
 *
 * @param launchScript text for the launch script field, shorter than 32 bytes; empty for none
 * @param id the image UUID; the nil UUID in deterministic images
 * @param time creation time in Unix seconds; {@link SifHeader#ZERO_TIME} in deterministic images
 * @param capacity number of descriptor slots
 */
public record CreateOptions(String launchScript, UUID id, long time, int capacity) {

  /** The reference's default capacity. */
  public static final int DEFAULT_CAPACITY = 48;

  public CreateOptions {
    if (launchScript.getBytes(StandardCharsets.UTF_8).length >= SifHeader.LAUNCH_SCRIPT_LEN) {
      throw new IllegalArgumentException("launch script must be shorter than 32 bytes");
    }
    if (capacity < 0 || capacity > SifLoader.MAX_DESCRIPTORS) {
      throw new IllegalArgumentException(
          "descriptor capacity " + capacity + " is outside 0.." + SifLoader.MAX_DESCRIPTORS);
    }
  }

  /** A random UUID, the current time, 48 descriptors, no launch script. */
  public static CreateOptions defaults() {
    return new CreateOptions(
        "", UUID.randomUUID(), Instant.now().getEpochSecond(), DEFAULT_CAPACITY);
  }

  /** Nil UUID and zero times, so the same inputs give the same bytes. */
  public static CreateOptions deterministic(int capacity) {
    return new CreateOptions("", new UUID(0, 0), SifHeader.ZERO_TIME, capacity);
  }

  public CreateOptions withLaunchScript(String script) {
    return new CreateOptions(script, id, time, capacity);
  }

  public CreateOptions withCapacity(int n) {
    return new CreateOptions(launchScript, id, time, n);
  }

  public CreateOptions withId(UUID newId) {
    return new CreateOptions(launchScript, newId, time, capacity);
  }

  public CreateOptions withTime(long unixSeconds) {
    return new CreateOptions(launchScript, id, unixSeconds, capacity);
  }
}
