package io.sifkube.operator;

import io.fabric8.kubernetes.api.model.DeletionPropagation;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.sifkube.api.v1alpha1.SifNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code sifkube-operator uninstall}: the chart's pre-delete hook. {@code helm uninstall} deletes
 * siflet's DaemonSet and, a few milliseconds later, siflet's ServiceAccount, long before the pods
 * stop, so a siflet could no longer read whether it is being uninstalled or upgraded. Run first,
 * this deletes the DaemonSet in the foreground and waits for its pods: each siflet then stops while
 * its account still works, sees its DaemonSet going, and cleans its node up (containers, mounts,
 * state). Then the SifNodes and Leases of those nodes go, here rather than in siflet, which may
 * then not delete SifNodes at all; SifNodes of siflets outside the DaemonSet (systemd on HPC hosts)
 * are left alone.
 */
@Command(
    name = "uninstall",
    mixinStandardHelpOptions = true,
    description = "Helm pre-delete hook: stop the siflet DaemonSet cleanly, then its SifNodes.")
final class UninstallCommand implements Callable<Integer> {

  @Option(names = "--kubeconfig", description = "kubeconfig file (default: in-cluster)")
  Path kubeconfig;

  @Option(names = "--namespace", required = true, description = "the release's namespace")
  String namespace;

  @Option(names = "--daemonset", required = true, description = "siflet's DaemonSet")
  String daemonSet;

  @Option(names = "--timeout", description = "seconds to wait for the pods (default 120)")
  int timeoutSeconds = 120;

  @Override
  public Integer call() throws Exception {
    Config config =
        kubeconfig != null
            ? Config.fromKubeconfig(Files.readString(kubeconfig))
            : Config.autoConfigure(null);
    // The operator's client, named: fabric8 would otherwise pick a factory by priority among those
    // on the class path (a jar left in target/lib by an older build included).
    try (KubernetesClient client =
        new KubernetesClientBuilder()
            .withConfig(config)
            .withHttpClientFactory(new KubeHttpClients())
            .build()) {
      return run(client);
    } catch (KubernetesClientException e) {
      System.err.println("sifkube-operator uninstall: " + e.getMessage());
      return 1;
    }
  }

  int run(KubernetesClient client) throws InterruptedException {
    var ds = client.apps().daemonSets().inNamespace(namespace).withName(daemonSet);
    DaemonSet current = ds.get();
    if (current == null) {
      say("DaemonSet " + namespace + "/" + daemonSet + " is not there; nothing to stop");
      return 0;
    }
    var selector = current.getSpec().getSelector().getMatchLabels();
    TreeSet<String> nodes = new TreeSet<>();
    for (Pod p : client.pods().inNamespace(namespace).withLabels(selector).list().getItems()) {
      if (p.getSpec().getNodeName() != null) {
        nodes.add(p.getSpec().getNodeName());
      }
    }
    say("deleting DaemonSet " + daemonSet + " (siflets on " + nodes + " clean their nodes up)");
    ds.withPropagationPolicy(DeletionPropagation.FOREGROUND).delete();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
    while (ds.get() != null) {
      if (System.nanoTime() > deadline) {
        say("siflet pods still stopping after " + timeoutSeconds + " s; going on");
        break;
      }
      Thread.sleep(500);
    }
    for (String node : nodes) {
      client.resources(SifNode.class).withName(node).delete();
      client.leases().inNamespace(namespace).withName("sifnode-" + node).delete();
      say("deleted SifNode " + node + " and its Lease");
    }
    say("done");
    return 0;
  }

  private static void say(String m) {
    System.err.println("sifkube-operator uninstall: " + m);
  }
}
