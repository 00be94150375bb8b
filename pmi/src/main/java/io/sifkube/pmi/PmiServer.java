package io.sifkube.pmi;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A {@link PmiJob} served over TCP, as MPICH's client reaches it through {@code PMI_PORT}: one
 * thread per rank's connection (a job has tens of ranks per node, and each client is synchronous),
 * plus one that fails the job when a barrier waits too long.
 *
 * <p>PMI-1 has no authentication, so the listener binds only the address the ranks use, takes only
 * connections from {@code peers}, and each rank id once ({@link PmiJob}). Its first failure goes to
 * {@code onFailure} once; the caller stops every rank then, as hydra and Slurm kill a job's step.
 */
public final class PmiServer implements AutoCloseable {

  /** MPICH's lines are at most 1024 bytes; a longer one is not a PMI client talking. */
  private static final int MAX_LINE = 4096;

  private final PmiJob job;
  private final ServerSocket listener;
  private final Set<InetAddress> peers;
  private final Consumer<String> onFailure;
  private final Set<Socket> open = ConcurrentHashMap.newKeySet();
  private final long barrierTimeoutNanos;
  private volatile String failure;
  private volatile boolean closed;

  /**
   * Starts listening at once: MPICH connects a single time and gives up if nobody is there.
   *
   * @param bind the address to listen on (port 0 picks one)
   * @param peers the addresses ranks may connect from; empty for any
   * @param barrierTimeoutSeconds how long a barrier may wait for its last ranks (0: for ever)
   */
  public PmiServer(
      PmiJob job,
      InetSocketAddress bind,
      Set<InetAddress> peers,
      long barrierTimeoutSeconds,
      Consumer<String> onFailure)
      throws IOException {
    this.job = job;
    this.peers = Set.copyOf(peers);
    this.onFailure = onFailure;
    this.barrierTimeoutNanos = TimeUnit.SECONDS.toNanos(barrierTimeoutSeconds);
    listener = new ServerSocket();
    listener.setReuseAddress(true);
    listener.bind(bind, 64);
    daemon("pmi-accept", this::accept);
    if (barrierTimeoutSeconds > 0) {
      daemon("pmi-barrier-watch", this::watchBarriers);
    }
  }

  /** {@code PMI_PORT}'s value: the address ranks connect to. */
  public String address() {
    return listener.getInetAddress().getHostAddress() + ":" + listener.getLocalPort();
  }

  public PmiJob job() {
    return job;
  }

  /** The job's first failure, or null. */
  public String failure() {
    return failure;
  }

  /** Fails the job (once): the reason goes to the listener given at start. */
  public void fail(String why) {
    synchronized (this) {
      if (failure != null || closed) {
        return;
      }
      failure = why;
    }
    onFailure.accept(why);
  }

  private void accept() {
    while (!closed) {
      Socket s;
      try {
        s = listener.accept();
      } catch (IOException e) {
        return; // closed
      }
      if (!peers.isEmpty() && !peers.contains(s.getInetAddress())) {
        closeQuietly(s); // not one of this job's ranks: no word of PMI for it
        continue;
      }
      open.add(s);
      daemon("pmi-rank", () -> serve(s));
    }
  }

  private void serve(Socket s) {
    PmiJob.Peer peer = peerOf(s);
    try (s) {
      s.setTcpNoDelay(true);
      InputStream in = new BufferedInputStream(s.getInputStream());
      boolean v2 = false; // PMI-2 framing, once the client's init asked for it
      String msg;
      while ((msg = v2 ? Pmi2Wire.read(in) : readLine(in)) != null) {
        if (v2) {
          job.handle2(peer, msg);
        } else {
          v2 = job.handle(peer, msg);
        }
      }
      job.closed(peer);
    } catch (PmiException e) {
      fail(e.getMessage());
    } catch (IOException e) {
      if (!closed) {
        try {
          job.closed(peer);
        } catch (PmiException gone) {
          fail(gone.getMessage() + " (" + e.getMessage() + ")");
        }
      }
    } finally {
      open.remove(s);
    }
  }

  private static PmiJob.Peer peerOf(Socket s) {
    return text -> {
      OutputStream out = s.getOutputStream();
      out.write(text.getBytes(StandardCharsets.US_ASCII));
      out.flush();
    };
  }

  /** One line without its newline, or null at the end of the stream. */
  private static String readLine(InputStream in) throws IOException, PmiException {
    ByteArrayOutputStream b = new ByteArrayOutputStream(128);
    int c;
    while ((c = in.read()) != '\n') {
      if (c < 0) {
        return b.size() == 0 ? null : b.toString(StandardCharsets.US_ASCII);
      }
      if (b.size() >= MAX_LINE) {
        throw new PmiException("a PMI client sent a line of more than " + MAX_LINE + " bytes");
      }
      b.write(c);
    }
    return b.toString(StandardCharsets.US_ASCII);
  }

  private void watchBarriers() {
    while (!closed && failure == null) {
      List<Integer> missing = job.overdue(barrierTimeoutNanos);
      if (!missing.isEmpty()) {
        fail(
            "PMI barrier: rank(s) "
                + missing
                + " did not arrive within "
                + TimeUnit.NANOSECONDS.toSeconds(barrierTimeoutNanos)
                + " s (hung before MPI_Init, or started without the PMI environment)");
        return;
      }
      try {
        Thread.sleep(200);
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  private static void daemon(String name, Runnable r) {
    Thread t = new Thread(r, name);
    t.setDaemon(true);
    t.start();
  }

  private static void closeQuietly(Socket s) {
    try {
      s.close();
    } catch (IOException ignored) {
      // already gone
    }
  }

  @Override
  public void close() {
    closed = true;
    try {
      listener.close();
    } catch (IOException ignored) {
      // nothing left to release
    }
    open.forEach(PmiServer::closeQuietly);
  }
}
