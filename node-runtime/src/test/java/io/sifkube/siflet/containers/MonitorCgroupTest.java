package io.sifkube.siflet.containers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** On directory trees shaped like /sys/fs/cgroup; the kernel's side is in HelmNodeIT. */
class MonitorCgroupTest {

  @TempDir Path root;

  private Path hierarchy(String name, String... files) throws IOException {
    Path h = root.resolve(name);
    Files.createDirectories(h);
    Files.writeString(h.resolve("cgroup.procs"), "1\n");
    for (int i = 0; i < files.length; i += 2) {
      Files.writeString(h.resolve(files[i]), files[i + 1]);
    }
    return h;
  }

  @Test
  void movesTheProcessInEveryV1HierarchyAndGivesNewCpusetLevelsTheirParentsCpus()
      throws IOException {
    hierarchy("memory");
    Path cpuset = hierarchy("cpuset", "cpuset.cpus", "0-1\n", "cpuset.mems", "0\n");
    hierarchy("unified");
    Files.createDirectories(root.resolve("cpu,cpuacct"));
    Files.writeString(root.resolve("cpu,cpuacct/cgroup.procs"), "");
    Files.createSymbolicLink(root.resolve("cpu"), root.resolve("cpu,cpuacct"));
    MonitorCgroup m = new MonitorCgroup(root, "/sifkube/monitors");
    assertThat(m.hierarchies())
        .containsExactly(
            root.resolve("cpu,cpuacct"), cpuset, root.resolve("memory"), root.resolve("unified"));
    m.adopt(4242);

    for (String h : new String[] {"cpu,cpuacct", "cpuset", "memory", "unified"}) {
      assertThat(root.resolve(h).resolve("sifkube/monitors/cgroup.procs")).hasContent("4242");
    }
    assertThat(root.resolve("cpu/sifkube/monitors/cgroup.procs")).hasContent("4242");
    // each new cpuset level took its parent's CPUs and memory nodes
    assertThat(cpuset.resolve("sifkube/cpuset.cpus")).hasContent("0-1");
    assertThat(cpuset.resolve("sifkube/monitors/cpuset.cpus")).hasContent("0-1");
    assertThat(cpuset.resolve("sifkube/monitors/cpuset.mems")).hasContent("0");
    assertThat(root.resolve("memory/sifkube/cpuset.cpus")).doesNotExist();
  }

  @Test
  void anExistingCgroupIsLeftAsItIs() throws IOException {
    Path cpuset = hierarchy("cpuset", "cpuset.cpus", "0-3", "cpuset.mems", "0");
    Path made = cpuset.resolve("sifkube-monitors");
    Files.createDirectories(made);
    Files.writeString(made.resolve("cpuset.cpus"), "2"); // an administrator narrowed it
    new MonitorCgroup(root, "/sifkube-monitors").adopt(7);
    assertThat(made.resolve("cpuset.cpus")).hasContent("2");
    assertThat(made.resolve("cgroup.procs")).hasContent("7");
  }

  @Test
  void theUnifiedHierarchyAloneWhenItIsMountedAtTheRoot() throws IOException {
    Files.writeString(root.resolve("cgroup.procs"), "1\n");
    Files.createDirectories(root.resolve("system.slice"));
    Files.writeString(root.resolve("system.slice/cgroup.procs"), "");
    MonitorCgroup m = new MonitorCgroup(root, "/sifkube-monitors");
    assertThat(m.hierarchies()).containsExactly(root);
    m.adopt(99);
    assertThat(root.resolve("sifkube-monitors/cgroup.procs")).hasContent("99");
  }

  @Test
  void removeIfEmptyTakesTheCgroupAwayLevelByLevel() throws IOException {
    hierarchy("memory");
    hierarchy("pids");
    MonitorCgroup m = new MonitorCgroup(root, "/sifkube/monitors");
    m.adopt(5);
    // the kernel's cgroup.procs is no file to delete; the fake's is
    Files.delete(root.resolve("memory/sifkube/monitors/cgroup.procs"));
    Files.delete(root.resolve("pids/sifkube/monitors/cgroup.procs"));
    assertThat(m.removeIfEmpty()).isTrue();
    assertThat(root.resolve("memory/sifkube")).doesNotExist();
    assertThat(root.resolve("pids/sifkube")).doesNotExist();
    assertThat(root.resolve("memory")).isDirectory();
  }

  @Test
  void noHierarchyIsAnErrorNamingTheRoot() {
    assertThatThrownBy(() -> new MonitorCgroup(root.resolve("none"), "/m").adopt(1))
        .hasMessageContaining("no cgroup hierarchy under " + root.resolve("none"));
  }
}
