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
 * socket: sequential p50/p99, then throughput with several concurrent clients. The exit is awaited
 * through GetContainerEvents, as the operator does. Both JVMs are warmed first with {@code
 * -Dwarmup=N} cycles (default 200): a node daemon serves thousands of cycles, and before the JIT
 * has compiled its paths most of its CPU goes to the compiler, which is start-up, not the cost of a
 * cycle. With {@code -Dsiflet.pid=PID}, siflet's own CPU time per sequential cycle is printed too.
 * Prints one line per measurement for e2e/bench/siflet-bench.sh.
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
      once(rt, image); // warm-up: JIT, page cache
    }
    long pid = Long.getLong("siflet.pid", 0);
    long cpu0 = cpuMillis(pid);
    long[] ms = new long[runs];
    for (int i = 0; i < runs; i++) {
      long t0 = System.nanoTime();
      once(rt, image);
      ms[i] = System.nanoTime() - t0;
    }
    long cpu = cpuMillis(pid) - cpu0;
    Arrays.sort(ms);
    System.out.printf(
        "sequential p50_ms=%.1f p99_ms=%.1f runs=%d warmup=%d siflet_cpu_ms_per_cycle=%s%n",
        ms[runs / 2] / 1e6,
        ms[Math.min(runs - 1, (int) Math.ceil(runs * 0.99) - 1)] / 1e6,
        runs,
        warmup,
        pid > 0 ? String.format("%.1f", (double) cpu / runs) : "-");
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
                    once(rt, image);
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

  /** utime + stime of process {@code pid} (not its children) in ms; 0 without a pid. */
  private static long cpuMillis(long pid) throws java.io.IOException {
    if (pid <= 0) {
      return 0;
    }
    String stat = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/" + pid + "/stat"));
    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]); // fields 14 and 15 of stat(5)
    return ticks * 10; // USER_HZ is 100 on Linux
  }

  private static void once(RuntimeServiceApi.Client rt, String image) throws Exception {
    String id = "bench-" + IDS.incrementAndGet();
    CountDownLatch exited = new CountDownLatch(1);
    EXITS.put(id, exited);
    rt.createContainer(
        CreateContainerRequest.newBuilder()
            .setId(id)
            .setConfig(ContainerConfig.newBuilder().setImage(image))
            .build());
    rt.startContainer(StartContainerRequest.newBuilder().setId(id).build());
    if (!exited.await(60, TimeUnit.SECONDS)) {
      throw new IllegalStateException(id + " did not exit");
    }
    rt.removeContainer(RemoveContainerRequest.newBuilder().setId(id).build());
  }
}
