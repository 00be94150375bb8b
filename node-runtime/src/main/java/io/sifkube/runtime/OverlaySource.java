package io.sifkube.runtime;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * One {@code --overlay}: a directory (writable unless {@code :ro}), a squashfs image (always
 * read-only) or an ext3 image (writable unless {@code :ro}), recognised by its magic bytes.
 *
 * @param path the directory or image file
 * @param kind what it is
 * @param writable whether the container's changes go there
 */
public record OverlaySource(Path path, Kind kind, boolean writable) {

  /** The kinds of overlay. */
  public enum Kind {
    DIRECTORY,
    SQUASHFS,
    EXT3
  }

  /**
   * Parses {@code PATH[:ro|:rw]} values, checking that each exists and that at most one is
   * writable.
   */
  public static List<OverlaySource> parse(List<String> specs) throws ContainerException {
    List<OverlaySource> out = new ArrayList<>();
    int writable = 0;
    for (String spec : specs) {
      String p = spec;
      Boolean ro = null;
      if (spec.endsWith(":ro") || spec.endsWith(":rw")) {
        ro = spec.endsWith(":ro");
        p = spec.substring(0, spec.length() - 3);
      }
      Path path = Path.of(p).toAbsolutePath().normalize();
      Kind kind = kindOf(path, spec);
      if (kind == Kind.SQUASHFS && Boolean.FALSE.equals(ro)) {
        throw new ContainerException(
            "--overlay " + spec + ": a squashfs image can only be read-only");
      }
      boolean w = kind != Kind.SQUASHFS && !Boolean.TRUE.equals(ro);
      if (w && ++writable > 1) {
        throw new ContainerException(
            "--overlay " + spec + ": only one overlay can be writable (add :ro to the others)");
      }
      out.add(new OverlaySource(path, kind, w));
    }
    return out;
  }

  private static Kind kindOf(Path path, String spec) throws ContainerException {
    if (Files.isDirectory(path)) {
      return Kind.DIRECTORY;
    }
    if (!Files.isRegularFile(path)) {
      throw new ContainerException("--overlay " + spec + ": " + path + " does not exist");
    }
    try (InputStream in = Files.newInputStream(path)) {
      byte[] head = in.readNBytes(1082);
      if (head.length >= 4
          && head[0] == 'h'
          && head[1] == 's'
          && head[2] == 'q'
          && head[3] == 's') {
        return Kind.SQUASHFS;
      }
      if (head.length >= 1082 && (head[1080] & 0xff) == 0x53 && (head[1081] & 0xff) == 0xef) {
        return Kind.EXT3;
      }
    } catch (IOException e) {
      throw new ContainerException(
          "--overlay " + spec + ": cannot read " + path + ": " + e.getMessage(), e);
    }
    throw new ContainerException(
        "--overlay "
            + spec
            + ": "
            + path
            + " is neither a directory, a squashfs nor an ext3 image");
  }
}
