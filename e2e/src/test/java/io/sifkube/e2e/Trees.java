package io.sifkube.e2e;

import io.sifkube.image.oci.Digest;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;

/** A comparable description of a directory tree: per path, type, mode, owner, target, content. */
final class Trees {

  private Trees() {}

  static Map<String, String> snapshot(Path root) throws IOException {
    Map<String, String> out = new TreeMap<>();
    try (Stream<Path> s = Files.walk(root)) {
      for (Path p : s.toList()) {
        if (p.equals(root)) {
          continue; // the root's own mode comes from the image config, not a layer entry
        }
        out.put(root.relativize(p).toString(), describe(p));
      }
    }
    return out;
  }

  private static String describe(Path p) throws IOException {
    Map<String, Object> a =
        Files.readAttributes(
            p, "unix:mode,uid,gid,rdev,nlink,size,lastModifiedTime", LinkOption.NOFOLLOW_LINKS);
    int mode = (Integer) a.get("mode");
    StringBuilder d = new StringBuilder();
    d.append(String.format("mode=%o uid=%s gid=%s", mode, a.get("uid"), a.get("gid")));
    int type = mode & 0170000;
    if (type == 0120000) {
      d.append(" -> ").append(Files.readSymbolicLink(p));
    } else if (type == 0100000) {
      d.append(" sha256=").append(Digest.sha256(Files.readAllBytes(p)).hex(), 0, 16);
      d.append(" nlink=").append(a.get("nlink"));
      d.append(" mtime=").append(a.get("lastModifiedTime"));
    } else if (type == 020000 || type == 060000) {
      d.append(" rdev=").append(a.get("rdev"));
    }
    if (type == 0100000 || type == 040000) {
      d.append(xattrs(p));
    }
    return d.toString();
  }

  private static String xattrs(Path p) throws IOException {
    UserDefinedFileAttributeView v =
        Files.getFileAttributeView(
            p, UserDefinedFileAttributeView.class, LinkOption.NOFOLLOW_LINKS);
    if (v == null) {
      return "";
    }
    StringBuilder s = new StringBuilder();
    for (String name : new TreeSet<>(v.list())) {
      ByteBuffer b = ByteBuffer.allocate(v.size(name));
      v.read(name, b);
      s.append(" user.").append(name).append('=').append(new String(b.array()));
    }
    return s.toString();
  }
}
