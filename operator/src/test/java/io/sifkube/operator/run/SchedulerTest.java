package io.sifkube.operator.run;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.sifkube.api.v1alpha1.SifNode;
import io.sifkube.api.v1alpha1.SifNodeSpec;
import io.sifkube.api.v1alpha1.SifNodeStatus;
import io.sifkube.api.v1alpha1.SifRunSpec;
import io.sifkube.node.v1.ContainerConfig;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SchedulerTest {

  private static SifNode node(String name, boolean ready, Map<String, String> labels) {
    SifNode n = new SifNode();
    n.setMetadata(new ObjectMetaBuilder().withName(name).withLabels(labels).build());
    n.setSpec(new SifNodeSpec());
    n.setStatus(new SifNodeStatus());
    Conditions.set(n.getStatus().conditions, "Ready", ready, "x", "", 1L);
    return n;
  }

  private static Scheduler.Load runs(int n) {
    return new Scheduler.Load(n, 0, 0);
  }

  @Test
  void onlyNodesWithTheRunsCpuAndMemoryLeftFit() {
    SifNode small = node("small", true, Map.of());
    small.getStatus().allocatable = Map.of("cpu", new Quantity("2"), "memory", new Quantity("1Gi"));
    SifNode big = node("big", true, Map.of());
    big.getStatus().allocatable = Map.of("cpu", new Quantity("16"), "memory", new Quantity("64Gi"));
    SifRunSpec spec = new SifRunSpec();
    spec.resources = new SifRunSpec.Resources();
    spec.resources.cpu = new Quantity("1500m");
    List<SifNode> nodes = List.of(small, big);
    // small is idle and sorts first by load; with 1 core in use, 1.5 more do not fit
    assertThat(Scheduler.choose(spec, nodes, n -> Scheduler.Load.NONE).node()).contains("big");
    assertThat(Scheduler.choose(spec, nodes, n -> n.equals("big") ? runs(5) : runs(0)).node())
        .contains("small");
    assertThat(
            Scheduler.choose(
                    spec, nodes, n -> n.equals("big") ? runs(5) : new Scheduler.Load(1, 1, 0))
                .node())
        .contains("big");
    spec.resources.memory = new Quantity("128Gi");
    Scheduler.Decision none = Scheduler.choose(spec, nodes, n -> Scheduler.Load.NONE);
    assertThat(none.node()).isEmpty();
    assertThat(none.why())
        .isEqualTo("no Ready SifNode has cpu 1500m and memory 128Gi allocatable left");
  }

  @Test
  void choosesAReadyMatchingNodeWithTheFewestRuns() {
    List<SifNode> nodes =
        List.of(
            node("a", true, Map.of("zone", "1")),
            node("b", true, Map.of("zone", "1")),
            node("c", false, Map.of("zone", "1")),
            node("d", true, Map.of("zone", "2")));
    SifRunSpec spec = new SifRunSpec();
    spec.nodeSelector = Map.of("zone", "1");
    assertThat(Scheduler.choose(spec, nodes, n -> runs(n.equals("a") ? 3 : 1)).node())
        .contains("b");
    spec.nodeName = "d";
    assertThat(Scheduler.choose(spec, nodes, n -> Scheduler.Load.NONE).node()).isEmpty();
    spec.nodeSelector = null;
    assertThat(Scheduler.choose(spec, nodes, n -> Scheduler.Load.NONE).node()).contains("d");
    spec.nodeName = "c";
    assertThat(Scheduler.choose(spec, nodes, n -> Scheduler.Load.NONE).why())
        .isEqualTo("1 SifNode(s) match but none is Ready and schedulable");
    spec.nodeName = null;
    spec.nodeSelector = Map.of("zone", "9");
    assertThat(Scheduler.choose(spec, nodes, n -> Scheduler.Load.NONE).why())
        .isEqualTo("no SifNode matches nodeSelector {zone=9}");
  }

  @Test
  void specsBecomeContainerConfigs() {
    SifRunSpec spec = new SifRunSpec();
    spec.source = "docker://x/y:1";
    spec.args = List.of("echo", "hi");
    SifRunSpec.EnvVar e = new SifRunSpec.EnvVar();
    e.name = "A";
    e.value = "1";
    spec.env = List.of(e);
    spec.compat = false;
    spec.resources = new SifRunSpec.Resources();
    spec.resources.cpu = new Quantity("500m");
    spec.resources.memory = new Quantity("64Mi");
    spec.resources.pids = 10L;
    ContainerConfig c = ContainerConfigs.of(spec, "sha256:abc");
    assertThat(c.getImage()).isEqualTo("sha256:abc");
    assertThat(c.getArgsList()).containsExactly("echo", "hi");
    assertThat(c.getEnvList()).containsExactly("A=1");
    assertThat(c.getNoCompat()).isTrue();
    assertThat(c.getResources().getCpus()).isEqualTo(0.5);
    assertThat(c.getResources().getMemoryBytes()).isEqualTo(64L << 20);
    assertThat(c.getResources().getPidsLimit()).isEqualTo(10);
    assertThat(ContainerConfigs.invalid(spec)).isNull();
    spec.image = "also";
    assertThat(ContainerConfigs.invalid(spec))
        .isEqualTo("spec.image and spec.source: exactly one must be set");
  }

  @Test
  void devicesMustBeOfferedAndFree() {
    SifNode gpu = node("gpu", true, Map.of());
    gpu.getStatus().devices = List.of("nvidia.com/gpu=0", "nvidia.com/gpu=1");
    SifNode plain = node("plain", true, Map.of());
    List<SifNode> nodes = List.of(gpu, plain);
    SifRunSpec spec = new SifRunSpec();
    spec.devices = List.of("nvidia.com/gpu=1");
    assertThat(Scheduler.choose(spec, nodes, n -> Scheduler.Load.NONE).node()).contains("gpu");
    // held by another run on that node
    Scheduler.Load holding = Scheduler.Load.NONE.plus(0, 0, List.of("nvidia.com/gpu=1"));
    Scheduler.Decision busy =
        Scheduler.choose(spec, nodes, n -> n.equals("gpu") ? holding : Scheduler.Load.NONE);
    assertThat(busy.node()).isEmpty();
    assertThat(busy.why())
        .isEqualTo("devices [nvidia.com/gpu=1] are held by other runs on every node");
    spec.devices = List.of("nvidia.com/gpu=0");
    assertThat(
            Scheduler.choose(spec, nodes, n -> n.equals("gpu") ? holding : Scheduler.Load.NONE)
                .node())
        .contains("gpu");
    spec.devices = List.of("amd.com/gpu=0");
    assertThat(Scheduler.choose(spec, nodes, n -> Scheduler.Load.NONE).why())
        .isEqualTo("no Ready SifNode offers devices [amd.com/gpu=0]");
    // a run asking for no device goes to the least loaded node, devices or not
    spec.devices = null;
    assertThat(
            Scheduler.choose(spec, nodes, n -> n.equals("gpu") ? holding : Scheduler.Load.NONE)
                .node())
        .contains("plain");
  }

  @Test
  void aDeviceItsSpecMarksSharedMayBeHeldByManyRuns() {
    SifNode n = node("fpga", true, Map.of());
    n.getStatus().devices = List.of("example.com/fpga=0", "example.com/fs=scratch");
    n.getStatus().sharedDevices = List.of("example.com/fs=scratch");
    SifRunSpec spec = new SifRunSpec();
    spec.devices = List.of("example.com/fs=scratch");
    Scheduler.Load holding =
        Scheduler.Load.NONE.plus(0, 0, List.of("example.com/fpga=0", "example.com/fs=scratch"));
    assertThat(Scheduler.choose(spec, List.of(n), x -> holding).node()).contains("fpga");
    // the exclusive one stays exclusive, also when asked for beside a shared one
    spec.devices = List.of("example.com/fs=scratch", "example.com/fpga=0");
    assertThat(Scheduler.choose(spec, List.of(n), x -> holding).why())
        .isEqualTo(
            "devices [example.com/fs=scratch, example.com/fpga=0] are held by other runs on every"
                + " node");
  }

  @Test
  void aChangeOfTheOfferedDevicesWakesTheWaitingRuns() {
    SifNode before = node("n", true, Map.of());
    SifNode after = node("n", true, Map.of());
    after.getStatus().devices = List.of("example.com/fpga=0");
    assertThat(SifRunReconciler.schedulingChanged(before, after)).isTrue();
    SifNode same = node("n", true, Map.of());
    same.getStatus().devices = List.of("example.com/fpga=0");
    assertThat(SifRunReconciler.schedulingChanged(after, same)).isFalse();
    same.getStatus().sharedDevices = List.of("example.com/fpga=0");
    assertThat(SifRunReconciler.schedulingChanged(after, same)).isTrue();
  }
}
