package io.sifkube.bench;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import io.grpc.stub.StreamObserver;
import io.sifkube.node.v1.ContainerConfig;
import io.sifkube.node.v1.ContainerEvent;
import io.sifkube.node.v1.ContainerEventType;
import io.sifkube.node.v1.CreateContainerRequest;
import io.sifkube.node.v1.GetContainerEventsRequest;
import io.sifkube.node.v1.RemoveContainerRequest;
import io.sifkube.node.v1.StartContainerRequest;
import io.sifkube.node.v1.grpc.RuntimeServiceApi;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Times Create + Start + wait for exit + Remove of {@code /bin/true} over gRPC on siflet's Unix
 * socket, both with StartContainer as a call of its own and with CreateContainer's {@code start}:
 * sequential p50/p99, then throughput (create with start) with several concurrent clients. The exit
 * is awaited through GetContainerEvents, as the operator does. Both JVMs are warmed first with
 * {@code -Dwarmup=N} cycles (default 200): a node daemon serves thousands of cycles, and before the
 * JIT has compiled its paths most of its CPU goes to the compiler, which is start-up, not the cost
 * of a cycle. With {@code -Dsiflet.pid=PID}, siflet's own CPU time per sequential cycle is printed
 * too.
 *
 * <p>Peers run interleaved with the sequential cycles, one run of each after every siflet cycle, so
 * that a slow moment of the machine hits all alike: {@code -Dpeer.1.name=ctr -Dpeer.1.cmd="ctr …
 * run --rm IMAGE bench-{i} /bin/true"} ({@code {i}} becomes a fresh number, words split on spaces)
 * and {@code -Dpeer.1.pid=PID} for the peer's daemon, whose own CPU per run is printed. Peer times
 * include starting their CLI process, as a user of that peer pays it.
 *
 * <p>Prints one line per measurement for e2e/bench/siflet-bench.sh.
 *
 * <p>Usage: SifletBench SOCKET IMAGE RUNS CLIENTS...
 */
public final class SifletBench {

  private static final Map<String, CountDownLatch> EXITS = new ConcurrentHashMap<>();
  private static final AtomicLong IDS = new AtomicLong();

  public static void main(String[] args) throws Exception {
    String socket = args[0];
    String image = args[1];
    int runs = Integer.parseInt(args[2]);
    EpollEventLoopGroup group = new EpollEventLoopGroup(2);
    ManagedChannel ch =
        NettyChannelBuilder.forAddress(new DomainSocketAddress(socket))
            .channelType(EpollDomainSocketChannel.class)
            .eventLoopGroup(group)
            .usePlaintext()
            .build();
    RuntimeServiceApi.Client rt = new RuntimeServiceApi.Client(ch);
    rt.getContainerEvents(
        GetContainerEventsRequest.getDefaultInstance(),
        new StreamObserver<>() {
          @Override
          public void onNext(ContainerEvent e) {
            if (e.getType() == ContainerEventType.CONTAINER_STOPPED_EVENT) {
              CountDownLatch l = EXITS.remove(e.getId());
              if (l != null) {
                l.countDown();
              }
            }
          }

          @Override
          public void onError(Throwable t) {}

          @Override
          public void onCompleted() {}
        });
    Thread.sleep(300);
    int warmup = Integer.getInteger("warmup", 200);
    for (int i = 0; i < warmup; i++) {
      once(rt, image, i % 2 == 0); // warm-up: JIT, page cache
    }
    long pid = Long.getLong("siflet.pid", 0);
    List<Peer> peers = Peer.fromProperties();
    for (Peer p : peers) {
      for (int i = 0; i < 5; i++) {
        p.run(); // warm-up: the peer's page cache and daemon
      }
    }
    // Both ways of starting, interleaved: CreateContainer then StartContainer (a gang's ranks),
    // and CreateContainer with start (the operator's single runs, sifctl's siflet run).
    Series twoCalls = new Series("create_then_start", runs, pid);
    Series oneCall = new Series("create_with_start", runs, pid);
    for (int i = 0; i < runs; i++) {
      twoCalls.timed(i, () -> once(rt, image, false));
      oneCall.timed(i, () -> once(rt, image, true));
      for (Peer p : peers) {
        p.timed(i, runs);
      }
    }
    twoCalls.print(warmup);
    oneCall.print(warmup);
    for (Peer p : peers) {
      p.print(runs);
    }
    for (int a = 3; a < args.length; a++) {
      int clients = Integer.parseInt(args[a]);
      ExecutorService pool = Executors.newFixedThreadPool(clients);
      int each = Math.max(10, runs / clients);
      long t0 = System.nanoTime();
      List<Future<?>> done = new ArrayList<>();
      for (int c = 0; c < clients; c++) {
        done.add(
            pool.submit(
                () -> {
                  for (int i = 0; i < each; i++) {
                    once(rt, image, true);
                  }
                  return null;
                }));
      }
      for (Future<?> f : done) {
        f.get();
      }
      double secs = (System.nanoTime() - t0) / 1e9;
      pool.shutdown();
      System.out.printf(
          "concurrent clients=%d runs=%d per_second=%.1f%n",
          clients, clients * each, clients * each / secs);
    }
    ch.shutdownNow();
    group.shutdownGracefully();
  }

  /** A peer's CLI command, timed from spawn to exit, and its daemon's own CPU. */
  private static final class Peer {
    private final String name;
    private final String cmd;
    private final long pid;
    private long[] ns;
    private long cpu;

    Peer(String name, String cmd, long pid) {
      this.name = name;
      this.cmd = cmd;
      this.pid = pid;
    }

    static List<Peer> fromProperties() {
      List<Peer> out = new ArrayList<>();
      for (int i = 1; System.getProperty("peer." + i + ".cmd") != null; i++) {
        out.add(
            new Peer(
                System.getProperty("peer." + i + ".name", "peer" + i),
                System.getProperty("peer." + i + ".cmd"),
                Long.getLong("peer." + i + ".pid", 0)));
      }
      return out;
    }

    void run() throws Exception {
      String[] words = cmd.replace("{i}", Long.toString(IDS.incrementAndGet())).split(" ");
      Process p =
          new ProcessBuilder(words)
              .redirectOutput(ProcessBuilder.Redirect.DISCARD)
              .redirectError(ProcessBuilder.Redirect.INHERIT)
              .start();
      if (p.waitFor() != 0) {
        throw new IllegalStateException(name + ": " + String.join(" ", words) + " failed");
      }
    }

    void timed(int i, int runs) throws Exception {
      if (ns == null) {
        ns = new long[runs];
      }
      long c0 = Cpu.of(pid).total();
      long t0 = System.nanoTime();
      run();
      ns[i] = System.nanoTime() - t0;
      cpu += Cpu.of(pid).total() - c0;
    }

    void print(int runs) {
      Arrays.sort(ns);
      System.out.printf(
          "peer name=%s p50_ms=%.1f p99_ms=%.1f daemon_cpu_ms_per_run=%s%n",
          name,
          ns[runs / 2] / 1e6,
          ns[Math.min(runs - 1, (int) Math.ceil(runs * 0.99) - 1)] / 1e6,
          pid > 0 ? String.format("%.1f", (double) cpu / runs) : "-");
    }
  }

  /**
   * A process's CPU time in ms, all (utime + stime, not its children) and in the kernel (stime),
   * from one read of /proc/PID/stat; zero without a pid.
   */
  private record Cpu(long total, long kernel) {
    static Cpu of(long pid) throws java.io.IOException {
      if (pid <= 0) {
        return new Cpu(0, 0);
      }
      String stat = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/" + pid + "/stat"));
      // the fields after the command name: utime and stime are 11 and 12 (14 and 15 of stat(5))
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      long user = Long.parseLong(f[11]) * 10; // USER_HZ is 100 on Linux
      long kernel = Long.parseLong(f[12]) * 10;
      return new Cpu(user + kernel, kernel);
    }
  }

  /** One way of running the cycle, timed: p50, p99 and siflet's CPU per cycle. */
  private static final class Series {
    private final String name;
    private final long pid;
    private final long[] ns;
    private long cpu;
    private long sys;

    Series(String name, int runs, long pid) {
      this.name = name;
      this.pid = pid;
      this.ns = new long[runs];
    }

    interface Cycle {
      void run() throws Exception;
    }

    void timed(int i, Cycle c) throws Exception {
      Cpu c0 = Cpu.of(pid);
      long t0 = System.nanoTime();
      c.run();
      ns[i] = System.nanoTime() - t0;
      Cpu c1 = Cpu.of(pid);
      cpu += c1.total() - c0.total();
      sys += c1.kernel() - c0.kernel();
    }

    void print(int warmup) {
      int runs = ns.length;
      Arrays.sort(ns);
      System.out.printf(
          "sequential mode=%s p50_ms=%.1f p99_ms=%.1f runs=%d warmup=%d"
              + " siflet_cpu_ms_per_cycle=%s of_which_kernel=%s%n",
          name,
          ns[runs / 2] / 1e6,
          ns[Math.min(runs - 1, (int) Math.ceil(runs * 0.99) - 1)] / 1e6,
          runs,
          warmup,
          pid > 0 ? String.format("%.1f", (double) cpu / runs) : "-",
          pid > 0 ? String.format("%.1f", (double) sys / runs) : "-");
    }
  }

  private static void once(RuntimeServiceApi.Client rt, String image, boolean oneCall)
      throws Exception {
    String id = "bench-" + IDS.incrementAndGet();
    CountDownLatch exited = new CountDownLatch(1);
    EXITS.put(id, exited);
    rt.createContainer(
        CreateContainerRequest.newBuilder()
            .setId(id)
            .setConfig(ContainerConfig.newBuilder().setImage(image))
            .setStart(oneCall)
            .build());
    if (!oneCall) {
      rt.startContainer(StartContainerRequest.newBuilder().setId(id).build());
    }
    if (!exited.await(60, TimeUnit.SECONDS)) {
      throw new IllegalStateException(id + " did not exit");
    }
    rt.removeContainer(RemoveContainerRequest.newBuilder().setId(id).build());
  }
}
