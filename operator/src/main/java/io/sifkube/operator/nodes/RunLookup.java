package io.sifkube.operator.nodes;

import io.sifkube.api.v1alpha1.SifRun;
import java.util.Optional;

/**
 * A SifRun by namespace and name from the run controller's informer cache: the orphan sweep asks
 * for every container's run at every sweep, which must not be an API request each.
 */
@FunctionalInterface
public interface RunLookup {

  /**
   * The cached run; empty when there is none. Throws IllegalStateException before the cache runs.
   */
  Optional<SifRun> get(String namespace, String name);
}
