package io.sifkube.cdi;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sifkube.json.Json;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The on-disk inventory of one-shot runs, and the JSON copies it keeps of specs. */
class InventoryCacheTest {

  @TempDir Path tmp;

  private static long uid() throws Exception {
    return ((Number) Files.getAttribute(Path.of("/proc/self"), "unix:uid")).longValue();
  }

  private static int settled;

  /** Dates the files of {@code dirs} back, as files not changed for a while are. */
  private static void settle(List<Path> dirs) throws Exception {
    settled++;
    for (Path d : dirs) {
      try (Stream<Path> s = Files.list(d)) {
        for (Path p : s.toList()) {
          Files.setLastModifiedTime(
              p, FileTime.fromMillis(System.currentTimeMillis() - 60_000 + settled * 1000L));
        }
      }
    }
  }

  private static String env(Inventory inv, String... names) throws Exception {
    ObjectNode spec = (ObjectNode) Json.read("{\"process\":{\"user\":{\"uid\":0,\"gid\":0}}}");
    SpecEditor.apply(spec, inv.resolve(List.of(names), CdiInjectionTest.HOST), false);
    return spec.at("/process/env").toString();
  }

  @Test
  void anEncodedSpecDecodesTheSame() throws Exception {
    CdiSpec yaml =
        SpecReader.read("/x/fpga.yaml", CdiRegistryTest.YAML.getBytes(StandardCharsets.UTF_8), 1);
    CdiSpec back = SpecCodec.decode(SpecCodec.encode(yaml), yaml.path(), yaml.sha256(), 1);
    assertThat(back).isEqualTo(yaml);
    CdiSpec rich =
        SpecReader.read(
            "/x/r.yaml",
            ("cdiVersion: \"1.1.0\"\nkind: v.com/c\ndevices:\n- name: a\n  containerEdits:\n"
                    + "    deviceNodes: [{path: /dev/a, type: c, major: 7, minor: 9, fileMode: 0600, uid: 0, permissions: none}]\n"
                    + "    intelRdt: {closID: x, l3CacheSchema: 'L3:0=f', memBwSchema: 'MB:0=9', schemata: [a], enableMonitoring: true}\n"
                    + "    additionalGids: [0, 5]\n    netDevices: [{hostInterfaceName: eth1, name: n0}]\n"
                    + "    mounts: [{hostPath: tmpfs, containerPath: /t, type: tmpfs}]\n"
                    + "    hooks: [{hookName: poststop, path: /p, args: [p], env: [A=1], timeout: 3}]\n")
                .getBytes(StandardCharsets.UTF_8),
            0);
    assertThat(SpecCodec.decode(SpecCodec.encode(rich), rich.path(), rich.sha256(), 0))
        .isEqualTo(rich);
  }

  @Test
  void unchangedFilesAreServedFromTheCacheAndAnyChangeIsSeen() throws Exception {
    Path etc = Files.createDirectories(tmp.resolve("etc"));
    Path run = Files.createDirectories(tmp.resolve("run"));
    Files.writeString(run.resolve("fpga.yaml"), CdiRegistryTest.YAML);
    Files.writeString(
        etc.resolve("nic.json"),
        "{\"cdiVersion\":\"0.3.0\",\"kind\":\"example.com/nic\",\"devices\":[{\"name\":\"p0\","
            + "\"containerEdits\":{\"env\":[\"NIC=p0\"]}}]}");
    Files.writeString(etc.resolve("broken.yaml"), "cdiVersion: 0.3.0\n");
    Path cacheDir = tmp.resolve("cache");
    InventoryCache cache = new InventoryCache(cacheDir, uid());
    List<Path> dirs = List.of(etc, run);
    String[] names = {"example.com/fpga=fpga0", "example.com/nic=p0"};

    // Files changed moments ago may change again within the same tick of the file clock: they
    // are read, not cached.
    cache.inventory(dirs, List.of(names));
    assertThat(cacheDir.resolve("specs")).doesNotExist();
    settle(dirs);
    Inventory first = cache.inventory(dirs, List.of(names));
    Inventory registry = new CdiRegistry(dirs).scan();
    assertThat(env(first, names)).isEqualTo(env(registry, names));
    assertThat(first.errors()).isEqualTo(registry.errors());
    Path copy;
    try (Stream<Path> s = Files.list(cacheDir.resolve("specs"))) {
      assertThat(s.count()).isEqualTo(2);
    }
    String sha = registry.devices().get("example.com/fpga=fpga0").spec().sha256();
    copy = cacheDir.resolve("specs").resolve(sha + ".spec");

    // Served from the cache: a change to the copy shows (which is why the cache must be ours).
    Files.write(
        copy,
        new String(Files.readAllBytes(copy), StandardCharsets.ISO_8859_1)
            .replace("FPGA_SDK=/opt/sdk", "FPGA_SDK=/tam/per")
            .getBytes(StandardCharsets.ISO_8859_1));
    Inventory second = cache.inventory(dirs, List.of(names));
    assertThat(env(second, names)).contains("FPGA_SDK=/tam/per");
    assertThat(second.errors()).isEqualTo(registry.errors());
    Inventory audit = second;
    assertThat(audit.resolve(List.of(names[0]), CdiInjectionTest.HOST).devices().get(0))
        .satisfies(
            d -> {
              assertThat(d.specPath()).isEqualTo(run.resolve("fpga.yaml").toString());
              assertThat(d.specSha256()).isEqualTo(sha);
            });

    // A cache others could write is not used.
    Files.setPosixFilePermissions(cacheDir, PosixFilePermissions.fromString("rwxrwxrwx"));
    assertThat(env(cache.inventory(dirs, List.of(names)), names)).contains("FPGA_SDK=/opt/sdk");
    Files.setPosixFilePermissions(cacheDir, PosixFilePermissions.fromString("rwx------"));
    // ... and one owned by another user neither.
    assertThat(env(new InventoryCache(cacheDir, uid() + 1).inventory(dirs, List.of(names)), names))
        .contains("FPGA_SDK=/opt/sdk");

    // Any change of a file (here the same size) makes the files be read again.
    Files.writeString(
        run.resolve("fpga.yaml"), CdiRegistryTest.YAML.replace("/opt/sdk", "/opt/xyz"));
    settle(dirs);
    assertThat(env(cache.inventory(dirs, List.of(names)), names)).contains("FPGA_SDK=/opt/xyz");
    // A new file too, and a removed one.
    Files.writeString(
        run.resolve("nic.yaml"),
        "cdiVersion: 0.3.0\nkind: example.com/nic\ndevices:\n- {name: p0, containerEdits: {env: [NIC=run]}}\n");
    settle(dirs);
    assertThat(env(cache.inventory(dirs, List.of(names)), names)).contains("NIC=run");
    Files.delete(run.resolve("nic.yaml"));
    settle(dirs);
    assertThat(env(cache.inventory(dirs, List.of(names)), names)).contains("NIC=p0");
    // and the cache, once rewritten, serves again with the same result
    assertThat(env(cache.inventory(dirs, List.of(names)), names))
        .isEqualTo(env(new CdiRegistry(dirs).scan(), names));
  }
}
