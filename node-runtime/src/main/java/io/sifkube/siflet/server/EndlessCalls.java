package io.sifkube.siflet.server;

/**
 * A service with calls that need not end by themselves (event streams, logs followed). When siflet
 * stops, {@link SifletServer#close} ends them after refusing new calls: gRPC's orderly shutdown
 * waits for running calls, and one open stream (the operator always holds one per node) held every
 * siflet stop, and so every DaemonSet rollout, for the whole drain timeout.
 */
public interface EndlessCalls {

  /** How such a call ends. */
  io.grpc.Status STOPPING = io.grpc.Status.UNAVAILABLE.withDescription("siflet is stopping");

  /** Ends every such call with UNAVAILABLE, so that its client reconnects to the next siflet. */
  void endCalls();
}
