package io.sifkube.sys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Loop devices through ioctls and mount(2), against the real kernel (needs root). */
class SyscallsIT {

  @TempDir Path tmp;

  private static String run(String... cmd) throws Exception {
    Process p = new ProcessBuilder(List.of(cmd)).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor()).as("%s: %s", List.of(cmd), out).isZero();
    return out;
  }

  @Test
  void mountsASquashfsStoredAtAnOffsetAndFreesTheLoopDeviceOnUnmount() throws Exception {
    Path src = Files.createDirectories(tmp.resolve("src"));
    Files.writeString(src.resolve("hello"), "from inside");
    Path sqfs = tmp.resolve("img.sqfs");
    run("mksquashfs", src.toString(), sqfs.toString(), "-quiet", "-noappend");
    byte[] image = Files.readAllBytes(sqfs);
    // 12345 bytes of something else first, as in a SIF, and trailing bytes after it.
    Path container = tmp.resolve("container.bin");
    try (OutputStream out = Files.newOutputStream(container, StandardOpenOption.CREATE_NEW)) {
      out.write(new byte[12345]);
      out.write(image);
      out.write("trailing".getBytes(StandardCharsets.UTF_8));
    }
    Path target = Files.createDirectories(tmp.resolve("mnt"));
    Syscalls.mountLoop(container, 12345, image.length, "squashfs", true, target);
    try {
      assertThat(Files.readString(target.resolve("hello"))).isEqualTo("from inside");
      assertThat(run("losetup", "-a")).contains(container.toString());
    } finally {
      Syscalls.umount(target);
    }
    assertThat(run("losetup", "-a")).doesNotContain(container.toString());
  }

  @Test
  void failuresNameTheOperationPathAndErrno() throws Exception {
    Path junk = tmp.resolve("junk.bin");
    Files.write(junk, new byte[8192]);
    Path target = Files.createDirectories(tmp.resolve("mnt"));
    assertThatThrownBy(() -> Syscalls.mountLoop(junk, 0, 0, "squashfs", true, target))
        .isInstanceOf(SyscallException.class)
        .hasMessageContaining("mount squashfs /dev/loop")
        .hasMessageContaining(target.toString())
        .hasMessageContaining("errno");
    assertThat(run("losetup", "-a")).doesNotContain(junk.toString());
    assertThatThrownBy(
            () -> Syscalls.mountLoop(tmp.resolve("missing"), 0, 0, "squashfs", true, target))
        .hasMessageContaining("open " + tmp.resolve("missing"))
        .hasMessageContaining("No such file or directory");
  }

  @Test
  void aSealedCopyRunsFromMemoryAndCannotBeWritten() throws Exception {
    Path readlink = Path.of("/usr/bin/readlink");
    Path copy = SealedExecutable.of(readlink);
    assertThat(SealedExecutable.of(readlink)).as("one copy per binary").isEqualTo(copy);
    assertThat(copy.toString()).startsWith("/proc/" + ProcessHandle.current().pid() + "/fd/");
    assertThat(SealedExecutable.isSealed(copy)).isTrue();
    assertThat(SealedExecutable.isSealed(readlink)).isFalse();
    // What the runtimes check: the running program is the memfd, not the file on disk.
    assertThat(run(copy.toString(), "/proc/self/exe")).startsWith("/memfd:sealed:readlink");
    assertThatThrownBy(() -> Files.write(copy, new byte[] {0}, StandardOpenOption.APPEND))
        .isInstanceOf(java.io.IOException.class);
    assertThatThrownBy(() -> SealedExecutable.of(tmp.resolve("missing")))
        .hasMessageContaining(tmp.resolve("missing").toString());
  }
}
