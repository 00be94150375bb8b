package io.sifkube.files;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Directories only their owner may enter. siflet's state and run directories hold container logs,
 * records with environment variables (often secrets), pull credentials' effects and mounted root
 * file systems: no other user of the host may list or read them. A directory is created with mode
 * 0700 from the start ({@code mkdir} with the mode, never a chmod after, so there is no window),
 * and one that already exists with group or other bits is tightened, saying so — containerd and
 * Docker had to do the same (CVE-2021-41103, CVE-2021-41091).
 */
public final class PrivateDirs {

  private static final Set<PosixFilePermission> OWNER_ONLY =
      PosixFilePermissions.fromString("rwx------");
  private static final FileAttribute<Set<PosixFilePermission>> OWNER_ONLY_ATTR =
      PosixFilePermissions.asFileAttribute(OWNER_ONLY);

  private PrivateDirs() {}

  /** Creates {@code dir} (and missing parents, with the default mode) or tightens it to 0700. */
  public static Path ensure(Path dir, Consumer<String> log) throws IOException {
    Path parent = dir.toAbsolutePath().getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
    if (!Files.isDirectory(dir)) {
      Files.createDirectory(dir, OWNER_ONLY_ATTR);
      return dir;
    }
    Set<PosixFilePermission> now = Files.getPosixFilePermissions(dir);
    if (!OWNER_ONLY.containsAll(now)) {
      Files.setPosixFilePermissions(dir, OWNER_ONLY);
      log.accept(
          dir
              + " was mode "
              + PosixFilePermissions.toString(now)
              + ", readable by other users: now rwx------");
    }
    return dir;
  }

  /** A new empty directory in {@code parent} with mode 0700 from its creation. */
  public static Path temporary(Path parent, String prefix) throws IOException {
    return Files.createTempDirectory(parent, prefix, OWNER_ONLY_ATTR);
  }
}
