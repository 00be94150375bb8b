package io.sifkube.siflet;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.grpc.BindableService;
import io.sifkube.files.PrivateDirs;
import io.sifkube.runtime.Executables;
import io.sifkube.runtime.OciRuntime;
import io.sifkube.siflet.api.ImageApi;
import io.sifkube.siflet.api.NodeFacts;
import io.sifkube.siflet.api.RuntimeApi;
import io.sifkube.siflet.containers.ConmonBackend;
import io.sifkube.siflet.containers.Containers;
import io.sifkube.siflet.containers.MonitorCgroup;
import io.sifkube.siflet.containers.NodeCleanup;
import io.sifkube.siflet.devices.DeviceInventory;
import io.sifkube.siflet.images.ImageStore;
import io.sifkube.siflet.kube.NodeRegistration;
import io.sifkube.siflet.server.Metrics;
import io.sifkube.siflet.server.SifletServer;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.function.Consumer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code siflet}: the node runtime daemon. Reads its configuration, takes its state directory (one
 * siflet per directory), rebuilds its view of containers that ran on, and serves the image and
 * runtime services until SIGTERM — which stops serving but leaves containers running.
 */
@Command(
    name = "siflet",
    mixinStandardHelpOptions = true,
    versionProvider = SifletMain.Version.class,
    description = "Sifkube node runtime daemon: pulls OCI-SIF images and runs containers.")
public final class SifletMain implements Callable<Integer> {

  @Option(names = "--config", description = "properties file with any of the keys below")
  Path configFile;

  @Option(names = "--state-dir", description = "images, containers, records (/var/lib/sifkube)")
  String stateDir;

  @Option(
      names = "--run-dir",
      description = "bundles, monitors, runtime state (/run/sifkube/siflet-HASH)")
  String runDir;

  @Option(names = "--socket", description = "Unix socket (/run/sifkube/siflet.sock)")
  String socket;

  @Option(names = "--listen", description = "HOST:PORT for mutual-TLS clients")
  String listen;

  @Option(names = "--tls-ca", description = "CA for client certificates (PEM)")
  String tlsCa;

  @Option(names = "--tls-cert", description = "server certificate (PEM)")
  String tlsCert;

  @Option(names = "--tls-key", description = "server key (PKCS#8 PEM)")
  String tlsKey;

  @Option(names = "--runtime", description = "crun or runc (default: crun where it can run)")
  String runtime;

  @Option(names = "--image-disk-budget", description = "e.g. 20g; LRU images beyond it go")
  String imageDiskBudget;

  @Option(names = "--metrics-listen", description = "HOST:PORT for Prometheus /metrics")
  String metricsListen;

  @Option(names = "--kubeconfig", description = "register a SifNode in this cluster")
  String kubeconfig;

  @Option(names = "--node-name", description = "the SifNode's name (default: host name)")
  String nodeName;

  @Option(names = "--advertise-address", description = "HOST:PORT the operator dials")
  String advertiseAddress;

  @Option(names = "--node-labels", description = "k=v,k2=v2 labels of the SifNode")
  String nodeLabels;

  @Option(names = "--lease-namespace", description = "namespace of the node Lease")
  String leaseNamespace;

  @Option(names = "--lease-seconds", description = "node Lease duration (default 40)")
  String leaseSeconds;

  @Option(
      names = "--cdi-dirs",
      description = "CDI spec directories, lowest priority first (/etc/cdi,/var/run/cdi)")
  String cdiDirs;

  @Option(
      names = "--allowed-clients",
      description = "names (certificate SAN or CN) of the TLS clients served, or * for any")
  String allowedClients;

  @Option(
      names = "--monitor-cgroup",
      description = "cgroup the containers' conmons move to (e.g. /sifkube-monitors)")
  String monitorCgroup;

  @Option(
      names = "--seccomp-profile-root",
      description = "directory of Localhost seccomp profiles (default: STATE_DIR/seccomp)")
  String seccompProfileRoot;

  @Option(
      names = "--daemonset",
      description = "this pod's DaemonSet: when it is gone at exit, siflet cleans the node up")
  String daemonSet;

  @Option(
      names = "--keep-state",
      description = "true: keep images, records and logs when cleaning up after an uninstall")
  String keepState;

  /** Netty warns that Unix sockets have no SO_KEEPALIVE, which gRPC sets everywhere. */
  private static final java.util.logging.Logger NETTY_BOOTSTRAP =
      java.util.logging.Logger.getLogger("io.grpc.netty.shaded.io.netty.bootstrap");

  static {
    NETTY_BOOTSTRAP.setLevel(java.util.logging.Level.SEVERE);
    // The same when netty logs through slf4j (slf4j-simple is on the class path for fabric8).
    System.setProperty(
        "org.slf4j.simpleLogger.log.io.grpc.netty.shaded.io.netty.bootstrap", "error");
  }

  private static final Consumer<String> LOG =
      m -> System.err.println(Instant.now() + " siflet: " + m);

  public static void main(String[] args) {
    Executables.preferVfork();
    System.exit(new CommandLine(new SifletMain()).execute(args));
  }

  @Override
  public Integer call() throws Exception {
    SifletConfig config;
    try {
      config = SifletConfig.resolve(flags(), System.getenv(), fileProperties());
    } catch (IllegalArgumentException e) {
      System.err.println("siflet: configuration: " + e.getMessage());
      return 2;
    }
    try (FileLock state = lock(config.stateDir());
        FileLock run = state == null ? null : lock(config.runDir())) {
      if (state == null || run == null) {
        Path busy = state == null ? config.stateDir() : config.runDir();
        System.err.println("siflet: " + busy + " is used by another siflet");
        return 1;
      }
      return serve(config);
    }
  }

  /** Locks {@code dir/siflet.lock} for this process; null when another siflet holds it. */
  private static FileLock lock(Path dir) throws IOException {
    PrivateDirs.ensure(dir, LOG);
    FileChannel ch =
        FileChannel.open(
            dir.resolve("siflet.lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    FileLock lock = ch.tryLock();
    if (lock == null) {
      ch.close();
    }
    return lock; // closing the lock at exit leaves the channel to the JVM's end
  }

  private int serve(SifletConfig config) throws Exception {
    OciRuntime rt =
        OciRuntime.choose(config.runtime(), LOG, config.runDir().resolve("runtime")).sealed(LOG);
    MonitorCgroup monitors =
        config.monitorCgroup() == null
            ? null
            : new MonitorCgroup(Path.of("/sys/fs/cgroup"), config.monitorCgroup());
    ConmonBackend backend =
        new ConmonBackend(config.stateDir(), config.runDir(), rt, monitors, LOG);
    Containers containers = new Containers(config.stateDir(), backend, LOG);
    ImageStore images =
        new ImageStore(
            config.stateDir(),
            config.imageDiskBudget(),
            d -> containers.uses(d.toString()),
            backend::forgetImage);
    containers.recover();
    containers.startWatching();
    Metrics metrics = new Metrics(containers::list);
    DeviceInventory devices = new DeviceInventory(config.cdiDirs(), LOG);
    devices.start();
    NodeFacts node = new NodeFacts(rt, new Version().getVersion()[0], devices::current);
    List<BindableService> services =
        List.of(
            new ImageApi(images, containers, metrics, LOG),
            new RuntimeApi(
                containers, images, node, devices, metrics, LOG, config.seccompProfileRoot()));
    CountDownLatch stopped = new CountDownLatch(1);
    SifletServer server = new SifletServer(config, services, metrics, LOG);
    NodeRegistration registration;
    try {
      registration = register(config, server, node, images);
    } catch (io.fabric8.kubernetes.client.KubernetesClientException e) {
      // One line, not a stack trace: the cluster refused or could not be reached.
      LOG.accept("registering the node in the cluster failed: " + e.getMessage());
      devices.close();
      server.close();
      containers.close();
      return 1;
    }
    if (registration != null) {
      NodeRegistration r = registration;
      devices.onChange(inv -> r.devicesChanged(node.info()));
    }
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  boolean uninstalled =
                      registration != null
                          && config.daemonSet() != null
                          && registration.daemonSetGone(config.daemonSet());
                  LOG.accept(
                      uninstalled
                          ? "stopping: DaemonSet "
                              + config.daemonSet()
                              + " is gone (uninstalled): removing this node's containers and mounts"
                              + (config.keepState() ? "" : " and its state")
                          : "stopping (containers keep running)");
                  // Stop serving first: an uninstall must not race a new container in.
                  if (registration != null) {
                    registration.close();
                  }
                  server.close();
                  try {
                    images.flush(); // the last uses not yet written
                  } catch (IOException e) {
                    LOG.accept("writing the image index: " + e.getMessage());
                  }
                  NodeCleanup cleanup =
                      new NodeCleanup(containers, config.stateDir(), config.runDir(), LOG);
                  if (uninstalled) {
                    cleanup.removeContainers();
                    if (monitors != null) {
                      try {
                        monitors.removeIfEmpty();
                      } catch (IOException e) {
                        LOG.accept("uninstall: " + e.getMessage());
                      }
                    }
                  }
                  devices.close();
                  containers.close();
                  if (uninstalled && !config.keepState()) {
                    cleanup.removeState();
                  }
                  stopped.countDown();
                }));
    LOG.accept(
        "ready ("
            + rt.name()
            + ", state in "
            + config.stateDir()
            + ", run state in "
            + config.runDir()
            + ")");
    stopped.await();
    return 0;
  }

  /** With a kubeconfig: registers the SifNode and keeps its Lease; otherwise null. */
  private static NodeRegistration register(
      SifletConfig config, SifletServer server, NodeFacts node, ImageStore images)
      throws IOException {
    if (config.kubeconfig() == null) {
      return null;
    }
    String address = config.advertiseAddress();
    if (address == null) {
      if (server.tcpPort() < 0) {
        throw new IllegalArgumentException(
            "kubeconfig: registering a node needs listen (the operator dials siflet over TLS)");
      }
      String host = SifletConfig.hostPort("listen", config.listen())[0];
      address = (host.equals("0.0.0.0") ? "127.0.0.1" : host) + ":" + server.tcpPort();
    }
    KubernetesClient client =
        new KubernetesClientBuilder()
            .withConfig(
                config.kubeconfig().toString().equals(SifletConfig.IN_CLUSTER)
                    ? Config.autoConfigure(null)
                    : Config.fromKubeconfig(Files.readString(config.kubeconfig())))
            .build();
    String name = config.nodeName() != null ? config.nodeName() : node.info().getHostname();
    NodeRegistration r =
        new NodeRegistration(
            client,
            name,
            address,
            config.nodeLabels(),
            config.leaseNamespace(),
            config.leaseSeconds(),
            () -> {
              try {
                return images.list().stream().map(i -> i.manifest().toString()).toList();
              } catch (IOException e) {
                return List.of();
              }
            },
            LOG);
    r.start(node.version(), node.info());
    return r;
  }

  private Map<String, String> flags() {
    Map<String, String> m = new LinkedHashMap<>();
    // In SifletConfig.KEYS order.
    String[] values = {
      stateDir,
      runDir,
      socket,
      listen,
      tlsCa,
      tlsCert,
      tlsKey,
      runtime,
      imageDiskBudget,
      metricsListen,
      kubeconfig,
      nodeName,
      advertiseAddress,
      nodeLabels,
      leaseNamespace,
      leaseSeconds,
      cdiDirs,
      allowedClients,
      monitorCgroup,
      daemonSet,
      keepState,
      seccompProfileRoot
    };
    for (int i = 0; i < values.length; i++) {
      if (values[i] != null) {
        m.put(SifletConfig.KEYS.get(i), values[i]);
      }
    }
    return m;
  }

  private Properties fileProperties() throws IOException {
    Properties p = new Properties();
    if (configFile != null) {
      if (!Files.isRegularFile(configFile)) {
        throw new IllegalArgumentException("--config " + configFile + ": no such file");
      }
      try (InputStream in = Files.newInputStream(configFile)) {
        p.load(in);
      }
    }
    return p;
  }

  /** Reads the version Maven wrote into the jar. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      Properties p = new Properties();
      try (InputStream in =
          SifletMain.class.getResourceAsStream("/io/sifkube/version.properties")) {
        if (in != null) {
          p.load(in);
        }
      } catch (IOException e) {
        // unknown version
      }
      return new String[] {p.getProperty("version", "unknown")};
    }
  }
}
