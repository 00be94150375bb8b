package io.sifkube.operator;

import com.sun.net.httpserver.HttpServer;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfiguration;
import io.javaoperatorsdk.operator.monitoring.micrometer.MicrometerMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.sifkube.operator.image.SifImageReconciler;
import io.sifkube.operator.nodes.SifNodeReconciler;
import io.sifkube.operator.nodes.SifletClients;
import io.sifkube.operator.run.NodeGrace;
import io.sifkube.operator.run.PmiServers;
import io.sifkube.operator.run.RunMetrics;
import io.sifkube.operator.run.SifRunReconciler;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code sifkube-operator}: reconciles SifRuns and SifNodes (and, later, SifImages) against the
 * cluster, driving the nodes' siflets over mutual TLS. Two replicas can run; a Lease elects the one
 * that acts.
 */
@Command(
    name = "sifkube-operator",
    mixinStandardHelpOptions = true,
    versionProvider = OperatorMain.Version.class,
    description = "Sifkube operator: runs SifRuns on SifNodes through their siflets.")
public final class OperatorMain implements Callable<Integer> {

  @Option(names = "--kubeconfig", description = "kubeconfig file (default: in-cluster or ~/.kube)")
  Path kubeconfig;

  @Option(names = "--tls-ca", required = true, description = "CA of the siflets' certificates")
  Path tlsCa;

  @Option(names = "--tls-cert", required = true, description = "the operator's client certificate")
  Path tlsCert;

  @Option(names = "--tls-key", required = true, description = "its PKCS#8 key")
  Path tlsKey;

  @Option(
      names = "--siflet-server-name",
      description =
          "the DNS name all siflet certificates carry (default: check each against its address)")
  String sifletServerName;

  @Option(
      names = "--namespace",
      defaultValue = "sifkube-system",
      description = "where the siflets' node Leases and the leader-election Lease live")
  String namespace;

  @Option(names = "--metrics-listen", description = "HOST:PORT serving Prometheus /metrics")
  String metricsListen;

  @Option(
      names = "--pmi-address",
      description =
          "the address MPI ranks reach this operator's PMI servers at (default: $POD_IP, else"
              + " this host's address)")
  String pmiAddress;

  @Option(
      names = "--pmi-barrier-timeout",
      defaultValue = "300",
      description =
          "seconds a PMI barrier may wait for the last ranks of an MPI run before the attempt"
              + " fails (0: for ever; default ${DEFAULT-VALUE})")
  long pmiBarrierTimeout;

  @Option(
      names = "--node-lost-grace",
      defaultValue = "300",
      description =
          "seconds a SifNode may stay NotReady before the attempts running on it are given up and"
              + " placed again (default ${DEFAULT-VALUE}, as Kubernetes evicts a NotReady node's"
              + " pods)")
  long nodeLostGrace;

  @Spec CommandSpec spec;

  /** Where MPI ranks connect: the flag, the pod's IP, or this host's address. */
  private InetAddress pmiAddress() throws UnknownHostException {
    if (pmiAddress != null) {
      return InetAddress.getByName(pmiAddress);
    }
    String pod = System.getenv("POD_IP");
    return pod != null && !pod.isEmpty() ? InetAddress.getByName(pod) : InetAddress.getLocalHost();
  }

  public static void main(String[] args) {
    usableCommonPool();
    // A command of its own, not a subcommand: the operator's required TLS options do not apply.
    if (args.length > 0 && args[0].equals("uninstall")) {
      System.exit(
          new CommandLine(new UninstallCommand())
              .execute(java.util.Arrays.copyOfRange(args, 1, args.length)));
    }
    System.exit(new CommandLine(new OperatorMain()).execute(args));
  }

  /**
   * On one or two CPUs the JDK's common pool has a parallelism of 1, and CompletableFuture then
   * runs every async stage on a new thread. fabric8 completes its requests through such stages:
   * with the JDK's HTTP client (the operator's until 2026-12-08) it started and ended about five
   * threads per SifRun (1,470 in a 300-run burst, JFR jdk.ThreadStart). A pool of at least two
   * makes CompletableFuture use it instead. Set before anything loads ForkJoinPool or
   * CompletableFuture; an explicit -D setting wins.
   */
  static void usableCommonPool() {
    String key = "java.util.concurrent.ForkJoinPool.common.parallelism";
    if (System.getProperty(key) == null) {
      System.setProperty(
          key, Integer.toString(Math.max(2, Runtime.getRuntime().availableProcessors() - 1)));
    }
  }

  @Override
  public Integer call() throws Exception {
    if (nodeLostGrace < 0) {
      throw new ParameterException(
          spec.commandLine(), "--node-lost-grace: " + nodeLostGrace + " is negative");
    }
    Config config =
        kubeconfig != null
            ? Config.fromKubeconfig(Files.readString(kubeconfig))
            : Config.autoConfigure(null);
    KubernetesClient client =
        new KubernetesClientBuilder()
            .withConfig(config)
            .withHttpClientFactory(new KubeHttpClients())
            .build();
    SifletClients siflets = new SifletClients(tlsCa, tlsCert, tlsKey, sifletServerName);
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    HttpServer metricsServer = metricsListen == null ? null : serveMetrics(registry);
    Operator operator =
        new Operator(
            o ->
                o.withKubernetesClient(client)
                    .withMetrics(MicrometerMetrics.withoutPerResourceMetrics(registry))
                    .withResourceCloner(new TokenCloner(client.getKubernetesSerialization()))
                    .checkingCRDAndValidateLocalModel(false) // no CRD read rights needed
                    // JSON merge patches: server-side apply of status is beta on 1.20 servers.
                    .withUseSSAToPatchPrimaryResource(false)
                    // Etcd revisions: lets JOSDK keep our own patched status over an older
                    // informer copy, so a reconcile right after a patch sees what it wrote.
                    .withParseResourceVersions(true)
                    .withLeaderElectionConfiguration(
                        new LeaderElectionConfiguration(
                            "sifkube-operator",
                            namespace,
                            Duration.ofSeconds(15),
                            Duration.ofSeconds(10),
                            Duration.ofSeconds(2),
                            identity(),
                            null,
                            // Not System.exit on losing the lease: stop() releases it from the
                            // shutdown hook, where exit would deadlock.
                            false)));
    PmiServers pmi = new PmiServers(pmiAddress(), pmiBarrierTimeout);
    SifRunReconciler runs =
        new SifRunReconciler(
            client,
            siflets,
            new RunMetrics(registry),
            pmi,
            new NodeGrace(Duration.ofSeconds(nodeLostGrace)));
    // Errors (a siflet that does not answer, a pull backing off) are retried by JOSDK with a
    // jittered exponential backoff, 1 s doubling to a minute, instead of fixed sleeps.
    operator.register(
        runs, o -> o.withRetry(new JitteredRetry(Duration.ofSeconds(1), Duration.ofSeconds(60))));
    operator.register(new SifNodeReconciler(siflets, namespace, runs::cached));
    SifImageReconciler images = new SifImageReconciler(client, siflets);
    operator.register(images);
    operator.start();
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  operator.stop();
                  pmi.close();
                  images.close();
                  siflets.close();
                  if (metricsServer != null) {
                    metricsServer.stop(0);
                  }
                  stopped.countDown();
                }));
    stopped.await();
    return 0;
  }

  /** This replica's name in the leader-election Lease: the pod (host) name and the pid. */
  private static String identity() {
    String host = System.getenv().getOrDefault("HOSTNAME", "");
    if (host.isEmpty()) {
      try {
        host = Files.readString(Path.of("/proc/sys/kernel/hostname")).strip();
      } catch (java.io.IOException e) {
        host = "sifkube-operator";
      }
    }
    return host + "-" + ProcessHandle.current().pid();
  }

  private HttpServer serveMetrics(PrometheusMeterRegistry registry) throws java.io.IOException {
    int colon = metricsListen.lastIndexOf(':');
    HttpServer http =
        HttpServer.create(
            new InetSocketAddress(
                metricsListen.substring(0, colon),
                Integer.parseInt(metricsListen.substring(colon + 1))),
            16);
    http.createContext(
        "/metrics",
        ex -> {
          byte[] body = registry.scrape().getBytes(StandardCharsets.UTF_8);
          ex.getResponseHeaders().add("Content-Type", "text/plain; version=0.0.4");
          ex.sendResponseHeaders(200, body.length);
          try (var out = ex.getResponseBody()) {
            out.write(body);
          }
        });
    http.start();
    System.err.println(
        "sifkube-operator: metrics on http://"
            + metricsListen.substring(0, colon)
            + ":"
            + http.getAddress().getPort()
            + "/metrics");
    return http;
  }

  /** The build's version, from io/sifkube/operator/version.properties (filtered by Maven). */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() throws java.io.IOException {
      java.util.Properties p = new java.util.Properties();
      try (var in = OperatorMain.class.getResourceAsStream("version.properties")) {
        if (in != null) {
          p.load(in);
        }
      }
      return new String[] {"sifkube-operator " + p.getProperty("version", "unknown")};
    }
  }
}
