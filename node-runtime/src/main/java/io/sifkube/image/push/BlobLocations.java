package io.sifkube.image.push;

import io.sifkube.image.oci.Digest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * Where blobs were last pushed: {@code DIR/sha256/HEX} holds {@code HOST/REPO} lines, newest last.
 * A later push of the same blob to another repository of that registry asks it to mount the blob
 * from there instead of sending the bytes again, as skopeo's blob-info cache does. Only a hint: the
 * registry checks access and the digest, and a refused mount is followed by an upload.
 */
public final class BlobLocations {

  private static final int KEEP = 16;

  private final Path dir;

  public BlobLocations(Path dir) {
    this.dir = dir;
  }

  /** A repository on {@code host}, other than {@code repository}, that received {@code d}. */
  public String mountSource(Digest d, String host, String repository) {
    List<String> lines = read(d);
    for (int i = lines.size() - 1; i >= 0; i--) {
      String l = lines.get(i);
      if (l.startsWith(host + "/") && !l.equals(host + "/" + repository)) {
        return l.substring(host.length() + 1);
      }
    }
    return null;
  }

  /** Notes that {@code host/repository} holds {@code d}; failures only lose the hint. */
  public void record(Digest d, String host, String repository) {
    String entry = host + "/" + repository;
    List<String> lines = read(d);
    lines.remove(entry);
    lines.add(entry);
    if (lines.size() > KEEP) {
      lines = lines.subList(lines.size() - KEEP, lines.size());
    }
    Path file = file(d);
    try {
      Files.createDirectories(file.getParent());
      Path tmp = Files.createTempFile(file.getParent(), d.hex(), ".tmp");
      Files.write(tmp, lines, StandardCharsets.UTF_8, StandardOpenOption.TRUNCATE_EXISTING);
      Files.move(
          tmp,
          file,
          java.nio.file.StandardCopyOption.REPLACE_EXISTING,
          java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      // a hint only: the next push uploads what it cannot mount
    }
  }

  private List<String> read(Digest d) {
    try {
      List<String> out = new ArrayList<>();
      for (String l : Files.readAllLines(file(d), StandardCharsets.UTF_8)) {
        if (l.matches("[A-Za-z0-9.:\\[\\]-]+/[a-z0-9._/-]+")) {
          out.add(l);
        }
      }
      return out;
    } catch (IOException e) {
      return new ArrayList<>();
    }
  }

  private Path file(Digest d) {
    return dir.resolve(d.algorithm()).resolve(d.hex());
  }
}
