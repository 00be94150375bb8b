package io.sifkube.siflet.api;

import io.grpc.stub.ServerCallStreamObserver;
import io.sifkube.node.v1.ContainerEvent;
import io.sifkube.siflet.containers.Containers;
import io.sifkube.siflet.server.EndlessCalls;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The open GetContainerEvents streams: each is a listener on {@link Containers} until its client
 * cancels it or siflet stops ({@link #endAll}). Sending and ending hold the stream's lock, so no
 * event goes out after the end.
 */
final class EventStreams {

  private final Containers containers;
  private final Map<ServerCallStreamObserver<ContainerEvent>, Consumer<Containers.Event>> open =
      new ConcurrentHashMap<>();
  private volatile boolean stopping;

  EventStreams(Containers containers) {
    this.containers = containers;
  }

  /**
   * Sends {@code out} what {@code event} makes of each container event (null: nothing), until
   * either end closes the stream.
   */
  void open(
      ServerCallStreamObserver<ContainerEvent> out,
      Function<Containers.Event, ContainerEvent> event) {
    Consumer<Containers.Event> listener =
        e -> {
          ContainerEvent ev = event.apply(e);
          if (ev == null) {
            return;
          }
          synchronized (out) {
            if (open.containsKey(out) && !out.isCancelled()) {
              out.onNext(ev);
            }
          }
        };
    out.setOnCancelHandler(() -> close(out));
    open.put(out, listener);
    containers.subscribe(listener);
    if (stopping) {
      end(out); // a call that came in as siflet began to stop
    }
  }

  private boolean close(ServerCallStreamObserver<ContainerEvent> out) {
    Consumer<Containers.Event> listener = open.remove(out);
    if (listener != null) {
      containers.unsubscribe(listener);
    }
    return listener != null;
  }

  /** Ends every open stream with UNAVAILABLE: siflet is stopping. */
  void endAll() {
    stopping = true;
    open.keySet().forEach(this::end);
  }

  private void end(ServerCallStreamObserver<ContainerEvent> out) {
    synchronized (out) {
      if (close(out) && !out.isCancelled()) {
        out.onError(EndlessCalls.STOPPING.asException());
      }
    }
  }

  /** Whether siflet is stopping: the other endless calls (logs followed) end too. */
  boolean stopping() {
    return stopping;
  }

  /** How many streams are open. */
  int size() {
    return open.size();
  }
}
