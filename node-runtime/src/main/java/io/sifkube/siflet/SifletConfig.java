package io.sifkube.siflet;

import io.sifkube.cdi.CdiException;
import io.sifkube.cdi.CdiRegistry;
import io.sifkube.image.oci.Digest;
import io.sifkube.spec.RuntimeSpec;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * siflet's configuration, immutable once read. Each key comes from a command-line flag ({@code
 * --state-dir}), else the environment ({@code SIFLET_STATE_DIR}), else the optional config file
 * ({@code state-dir=...}, Java properties syntax), else its default. docs/siflet.md lists the keys.
 *
 * @param stateDir what outlives a reboot: images, container records and logs ({@code
 *     /var/lib/sifkube})
 * @param runDir what lives only as long as the containers (a tmpfs such as /run is meant): bundles,
 *     monitor state, the runtime's state, shared layer mounts; by default {@code
 *     /run/sifkube/siflet-HASH}, named after {@code stateDir} so that two siflets never share one
 * @param socket the Unix socket for local clients ({@code /run/sifkube/siflet.sock}, mode 0660)
 * @param listen HOST:PORT for remote clients over mutual TLS, or null for none (port 0: any)
 * @param tlsCa CA that client certificates must be signed by (PEM)
 * @param tlsCert the server's certificate (PEM)
 * @param tlsKey the server's private key (PKCS#8 PEM)
 * @param runtime "crun", "runc", or null to choose (crun where it can run)
 * @param imageDiskBudget bytes of images to keep before the least recently used go; 0: no limit
 * @param metricsListen HOST:PORT serving Prometheus metrics at /metrics, or null for none
 * @param kubeconfig where to register the node (a SifNode and its Lease), or null for no cluster;
 *     {@value #IN_CLUSTER} for the pod's service account
 * @param nodeName the SifNode's name (default: the host name)
 * @param advertiseAddress HOST:PORT the operator dials (default: the listen address)
 * @param nodeLabels labels of the SifNode ({@code k=v,k2=v2})
 * @param leaseNamespace where the node Lease lives ({@code sifkube-system})
 * @param leaseSeconds the Lease's duration; it is renewed every quarter of it
 * @param cdiDirs CDI spec directories, lowest priority first ({@code /etc/cdi,/var/run/cdi})
 * @param allowedClients names a TLS client's certificate must carry (a subject alternative name or
 *     its common name) for siflet to take its calls; {@code *} for any the CA signed
 * @param monitorCgroup a cgroup (a path from each hierarchy's root, e.g. {@code /sifkube-monitors})
 *     each container's conmon is moved into, or null to leave it in siflet's: where siflet runs as
 *     a pod, its container's cgroup is killed whole when the pod goes, and the containers' monitors
 *     must outlive it (as under systemd's KillMode=process)
 * @param daemonSet the DaemonSet (in {@code leaseNamespace}) whose pod this siflet is, or null:
 *     when siflet stops and that DaemonSet is gone or going ({@code helm uninstall}), siflet
 *     removes its containers, their mounts, its SifNode and Lease and, unless {@code keepState},
 *     its state; when it is still there (an upgrade, a restarted pod), everything is left running
 *     as always
 * @param keepState keep images, records and logs when uninstalled (see {@code daemonSet})
 * @param seccompProfileRoot where Localhost seccomp profiles are ({@code state-dir/seccomp}, as the
 *     kubelet's {@code /var/lib/kubelet/seccomp})
 */
public record SifletConfig(
    Path stateDir,
    Path runDir,
    Path socket,
    String listen,
    Path tlsCa,
    Path tlsCert,
    Path tlsKey,
    String runtime,
    long imageDiskBudget,
    String metricsListen,
    Path kubeconfig,
    String nodeName,
    String advertiseAddress,
    Map<String, String> nodeLabels,
    String leaseNamespace,
    int leaseSeconds,
    List<Path> cdiDirs,
    List<String> allowedClients,
    String monitorCgroup,
    String daemonSet,
    boolean keepState,
    Path seccompProfileRoot) {

  /** The kubeconfig value meaning "the service account of the pod siflet runs in". */
  public static final String IN_CLUSTER = "in-cluster";

  /** The keys, in the order docs/siflet.md lists them. */
  public static final List<String> KEYS =
      List.of(
          "state-dir",
          "run-dir",
          "socket",
          "listen",
          "tls-ca",
          "tls-cert",
          "tls-key",
          "runtime",
          "image-disk-budget",
          "metrics-listen",
          "kubeconfig",
          "node-name",
          "advertise-address",
          "node-labels",
          "lease-namespace",
          "lease-seconds",
          "cdi-dirs",
          "allowed-clients",
          "monitor-cgroup",
          "daemonset",
          "keep-state",
          "seccomp-profile-root");

  /** The environment variable for {@code key}: SIFLET_ and the key in capitals. */
  public static String envName(String key) {
    return "SIFLET_" + key.toUpperCase().replace('-', '_');
  }

  /**
   * Resolves the configuration.
   *
   * @param flags values given on the command line, by key
   * @param env the process environment
   * @param file the config file's properties (empty when there is none)
   * @throws IllegalArgumentException naming the key whose value is wrong
   */
  public static SifletConfig resolve(
      Map<String, String> flags, Map<String, String> env, Properties file) {
    Map<String, String> v = new LinkedHashMap<>();
    for (String key : KEYS) {
      String value = flags.get(key);
      if (value == null) {
        value = env.get(envName(key));
      }
      if (value == null) {
        value = file.getProperty(key);
      }
      if (value != null && !value.isBlank()) {
        v.put(key, value.strip());
      }
    }
    for (Object k : file.keySet()) {
      if (!KEYS.contains(k.toString())) {
        throw new IllegalArgumentException("config file: unknown key \"" + k + "\"");
      }
    }
    String runtime = v.get("runtime");
    if (runtime != null && !List.of("crun", "runc").contains(runtime)) {
      throw new IllegalArgumentException("runtime: must be crun or runc, not \"" + runtime + "\"");
    }
    String listen = v.get("listen");
    if (listen != null) {
      hostPort("listen", listen);
      for (String k : List.of("tls-ca", "tls-cert", "tls-key", "allowed-clients")) {
        if (!v.containsKey(k)) {
          throw new IllegalArgumentException(
              k
                  + ": required with listen (remote clients must use mutual TLS, and only the"
                  + " clients named in allowed-clients, or * for any the CA signed, are served)");
        }
      }
    }
    if (v.containsKey("metrics-listen")) {
      hostPort("metrics-listen", v.get("metrics-listen"));
    }
    long budget = 0;
    if (v.containsKey("image-disk-budget")) {
      try {
        budget = RuntimeSpec.parseSize(v.get("image-disk-budget"));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("image-disk-budget: " + e.getMessage(), e);
      }
    }
    if (v.containsKey("advertise-address")) {
      hostPort("advertise-address", v.get("advertise-address"));
    }
    Map<String, String> labels = new LinkedHashMap<>();
    for (String kv : v.getOrDefault("node-labels", "").split(",")) {
      if (kv.isBlank()) {
        continue;
      }
      String[] p = kv.split("=", 2);
      if (p.length != 2 || p[0].isBlank()) {
        throw new IllegalArgumentException("node-labels: \"" + kv + "\" is not KEY=VALUE");
      }
      labels.put(p[0].strip(), p[1].strip());
    }
    int leaseSeconds;
    try {
      leaseSeconds = Integer.parseInt(v.getOrDefault("lease-seconds", "40"));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("lease-seconds: not a number", e);
    }
    if (leaseSeconds < 4) {
      throw new IllegalArgumentException("lease-seconds: must be at least 4");
    }
    List<Path> cdiDirs;
    try {
      cdiDirs =
          v.containsKey("cdi-dirs")
              ? CdiRegistry.parseDirs("cdi-dirs", List.of(v.get("cdi-dirs")))
              : CdiRegistry.DEFAULT_DIRS;
    } catch (CdiException e) {
      throw new IllegalArgumentException(e.getMessage(), e);
    }
    Path stateDir = Path.of(v.getOrDefault("state-dir", "/var/lib/sifkube")).toAbsolutePath();
    Path runDir =
        v.containsKey("run-dir")
            ? Path.of(v.get("run-dir")).toAbsolutePath()
            : defaultRunDir(stateDir);
    if (runDir.startsWith(stateDir) || stateDir.startsWith(runDir)) {
      throw new IllegalArgumentException(
          "run-dir: " + runDir + " must not be inside state-dir " + stateDir + " or hold it");
    }
    return new SifletConfig(
        stateDir,
        runDir,
        Path.of(v.getOrDefault("socket", "/run/sifkube/siflet.sock")).toAbsolutePath(),
        listen,
        path(v.get("tls-ca")),
        path(v.get("tls-cert")),
        path(v.get("tls-key")),
        runtime,
        budget,
        v.get("metrics-listen"),
        IN_CLUSTER.equals(v.get("kubeconfig")) ? Path.of(IN_CLUSTER) : path(v.get("kubeconfig")),
        v.get("node-name"),
        v.get("advertise-address"),
        Map.copyOf(labels),
        v.getOrDefault("lease-namespace", "sifkube-system"),
        leaseSeconds,
        cdiDirs,
        allowedClients(v.get("allowed-clients")),
        monitorCgroup(v.get("monitor-cgroup")),
        v.get("daemonset"),
        bool("keep-state", v.getOrDefault("keep-state", "false")),
        v.containsKey("seccomp-profile-root")
            ? Path.of(v.get("seccomp-profile-root")).toAbsolutePath()
            : stateDir.resolve("seccomp"));
  }

  private static boolean bool(String key, String value) {
    if (!value.equals("true") && !value.equals("false")) {
      throw new IllegalArgumentException(key + ": must be true or false, not \"" + value + "\"");
    }
    return Boolean.parseBoolean(value);
  }

  private static String monitorCgroup(String value) {
    if (value == null) {
      return null;
    }
    if (!value.matches("(/[A-Za-z0-9_.-]+)+") || value.contains("/..") || value.contains("/./")) {
      throw new IllegalArgumentException(
          "monitor-cgroup: \""
              + value
              + "\" is not an absolute cgroup path such as /sifkube-monitors");
    }
    return value;
  }

  private static List<String> allowedClients(String value) {
    if (value == null) {
      return List.of();
    }
    List<String> out = new java.util.ArrayList<>();
    for (String n : value.split(",")) {
      if (!n.isBlank()) {
        out.add(n.strip());
      }
    }
    if (out.isEmpty()) {
      throw new IllegalArgumentException("allowed-clients: no name given");
    }
    return List.copyOf(out);
  }

  /** {@code /run/sifkube/siflet-} and 12 hex digits of the SHA-256 of {@code stateDir}. */
  static Path defaultRunDir(Path stateDir) {
    byte[] path = stateDir.toString().getBytes(StandardCharsets.UTF_8);
    return Path.of("/run/sifkube/siflet-" + Digest.sha256(path).shortHex());
  }

  private static Path path(String s) {
    return s == null ? null : Path.of(s).toAbsolutePath();
  }

  /** Splits HOST:PORT; the host may be a bracketed IPv6 address. */
  public static String[] hostPort(String key, String value) {
    int colon = value.lastIndexOf(':');
    if (colon <= 0 || colon == value.length() - 1) {
      throw new IllegalArgumentException(key + ": \"" + value + "\" is not HOST:PORT");
    }
    String host = value.substring(0, colon).replace("[", "").replace("]", "");
    String port = value.substring(colon + 1);
    if (!port.chars().allMatch(Character::isDigit) || Integer.parseInt(port) > 65535) {
      throw new IllegalArgumentException(key + ": \"" + port + "\" is not a port number");
    }
    return new String[] {host, port};
  }
}
