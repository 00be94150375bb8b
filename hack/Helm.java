// Real Helm (Helm's Go code through helm-java, the library ChartIT uses) as a small command for
// scripts: Debian packages no helm, and nothing outside Maven Central and Debian may be fetched.
// Run through hack/helm.sh, which puts helm-java on the class path.
//
//   install|upgrade RELEASE CHART -n NS [--create-namespace] [--wait] [--timeout S]
//                   [-f VALUES.yaml]... [--set KEY=VALUE]...
//   uninstall RELEASE -n NS
//
// The cluster is $KUBECONFIG's.
import com.marcnuri.helm.InstallCommand;
import com.marcnuri.helm.Release;
import com.marcnuri.helm.UpgradeCommand;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

public class Helm {
  public static void main(String[] args) throws Exception {
    List<String> a = new ArrayList<>(List.of(args));
    if (a.size() < 2) {
      usage();
    }
    String verb = a.remove(0);
    String release = a.remove(0);
    String kubeconfig = System.getenv("KUBECONFIG");
    if (kubeconfig == null) {
      fail("KUBECONFIG is not set");
    }
    Path kc = Path.of(kubeconfig);
    try {
      if (verb.equals("uninstall")) {
        String ns = option(a, "-n");
        System.out.println(
            new com.marcnuri.helm.Helm(Path.of("."))
                .uninstall(release)
                .withNamespace(ns)
                .withKubeConfig(kc)
                .call());
        return;
      }
      if (!verb.equals("install") && !verb.equals("upgrade") || a.isEmpty()) {
        usage();
      }
      Path chart = Path.of(a.remove(0));
      String ns = option(a, "-n");
      Release r;
      if (verb.equals("install")) {
        InstallCommand c =
            new com.marcnuri.helm.Helm(chart)
                .install()
                .withName(release)
                .withNamespace(ns)
                .withKubeConfig(kc);
        for (int i = 0; i < a.size(); i++) {
          switch (a.get(i)) {
            case "--create-namespace" -> c.createNamespace();
            case "--wait" -> c.waitReady();
            case "--timeout" -> c.withTimeout(Integer.parseInt(a.get(++i)));
            case "-f" -> c.withValuesFile(Path.of(a.get(++i)));
            case "--set" -> c.set(key(a.get(++i)), value(a.get(i)));
            default -> fail("unknown option " + a.get(i));
          }
        }
        r = c.call();
      } else {
        UpgradeCommand c =
            new com.marcnuri.helm.Helm(chart)
                .upgrade()
                .withName(release)
                .withNamespace(ns)
                .withKubeConfig(kc);
        for (int i = 0; i < a.size(); i++) {
          switch (a.get(i)) {
            case "--wait" -> c.waitReady();
            case "--timeout" -> c.withTimeout(Integer.parseInt(a.get(++i)));
            case "--reuse-values" -> c.reuseValues();
            case "-f" -> c.withValuesFile(Path.of(a.get(++i)));
            case "--set" -> c.set(key(a.get(++i)), value(a.get(i)));
            default -> fail("unknown option " + a.get(i));
          }
        }
        r = c.call();
      }
      System.out.println(
          "helm: release " + r.getName() + " " + r.getStatus() + ", revision " + r.getRevision());
    } catch (IllegalStateException e) {
      fail(e.getMessage()); // Helm's own error, one line
    }
  }

  private static String option(List<String> a, String name) {
    int i = a.indexOf(name);
    if (i < 0 || i + 1 >= a.size()) {
      fail(name + " NAMESPACE is required");
    }
    a.remove(i);
    return a.remove(i);
  }

  private static String key(String kv) {
    int eq = kv.indexOf('=');
    if (eq <= 0) {
      fail("--set " + kv + ": not KEY=VALUE");
    }
    return kv.substring(0, eq);
  }

  private static String value(String kv) {
    return kv.substring(kv.indexOf('=') + 1);
  }

  private static void usage() {
    fail(
        "usage: helm.sh install|upgrade RELEASE CHART -n NS [--create-namespace] [--wait]"
            + " [--timeout S] [-f FILE] [--set K=V]... | uninstall RELEASE -n NS");
  }

  private static void fail(String m) {
    System.err.println("helm: " + m);
    System.exit(1);
  }
}
