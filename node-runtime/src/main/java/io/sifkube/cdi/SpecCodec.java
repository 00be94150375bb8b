package io.sifkube.cdi;

import io.sifkube.cdi.ContainerEdits.DeviceNode;
import io.sifkube.cdi.ContainerEdits.Hook;
import io.sifkube.cdi.ContainerEdits.IntelRdt;
import io.sifkube.cdi.ContainerEdits.Mount;
import io.sifkube.cdi.ContainerEdits.NetDevice;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A checked {@link CdiSpec} as compact bytes, for {@link InventoryCache}: what a one-shot {@code
 * sifctl} reads instead of the spec file. Not a CDI format and never read from anywhere but the
 * caller's own cache; the spec was checked by {@link SpecReader} before it was written. Measured in
 * a cold {@code sifctl exec} here: reading a 6 KB spec (24 mounts, 16 devices) back as JSON took
 * 2-4 ms of a 6 ms budget, these bytes a fraction of that. They are read through a {@link
 * ByteBuffer}: {@code DataInputStream} reads through byte-array VarHandles, whose method handles a
 * cold JVM spins at first use (~2 ms more).
 */
final class SpecCodec {

  private static final int MAGIC = 0x53434431; // "SCD1"

  private SpecCodec() {}

  static byte[] encode(CdiSpec s) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeInt(MAGIC);
      str(out, s.version());
      str(out, s.vendor());
      str(out, s.cls());
      map(out, s.annotations());
      edits(out, s.edits());
      out.writeInt(s.devices().size());
      for (CdiSpec.Device d : s.devices()) {
        str(out, d.name());
        map(out, d.annotations());
        edits(out, d.edits());
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e); // a byte array does not fail
    }
    return bytes.toByteArray();
  }

  /**
   * The spec encoded in {@code data}, as read from {@code path} (digest {@code sha256}, directory
   * priority {@code priority}).
   *
   * @throws IOException when the bytes are not an encoded spec
   */
  static CdiSpec decode(byte[] data, String path, String sha256, int priority) throws IOException {
    try {
      return decode(ByteBuffer.wrap(data), path, sha256, priority);
    } catch (BufferUnderflowException | IllegalArgumentException e) {
      throw new IOException("damaged encoded CDI spec", e);
    }
  }

  private static CdiSpec decode(ByteBuffer in, String path, String sha256, int priority)
      throws IOException {
    if (in.getInt() != MAGIC) {
      throw new IOException("not an encoded CDI spec");
    }
    String version = str(in);
    String vendor = str(in);
    String cls = str(in);
    Map<String, String> annotations = map(in);
    ContainerEdits edits = edits(in);
    int n = count(in);
    List<CdiSpec.Device> devices = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      devices.add(new CdiSpec.Device(str(in), map(in), edits(in)));
    }
    if (in.hasRemaining()) {
      throw new IOException("trailing bytes after an encoded CDI spec");
    }
    return new CdiSpec(path, sha256, priority, version, vendor, cls, annotations, devices, edits);
  }

  private static void edits(DataOutputStream out, ContainerEdits e) throws IOException {
    strs(out, e.env());
    out.writeInt(e.deviceNodes().size());
    for (DeviceNode d : e.deviceNodes()) {
      str(out, d.path());
      str(out, d.hostPath());
      str(out, d.type());
      out.writeLong(d.major());
      out.writeLong(d.minor());
      optionalLong(out, d.fileMode() == null ? null : Integer.toUnsignedLong(d.fileMode()));
      str(out, d.permissions());
      optionalLong(out, d.uid());
      optionalLong(out, d.gid());
    }
    out.writeInt(e.mounts().size());
    for (Mount m : e.mounts()) {
      str(out, m.hostPath());
      str(out, m.containerPath());
      str(out, m.type());
      strs(out, m.options());
    }
    out.writeInt(e.hooks().size());
    for (Hook h : e.hooks()) {
      str(out, h.hookName());
      str(out, h.path());
      strs(out, h.args());
      strs(out, h.env());
      optionalLong(out, h.timeout() == null ? null : h.timeout().longValue());
    }
    out.writeBoolean(e.intelRdt() != null);
    if (e.intelRdt() != null) {
      IntelRdt r = e.intelRdt();
      str(out, r.closID());
      str(out, r.l3CacheSchema());
      str(out, r.memBwSchema());
      strs(out, r.schemata());
      out.writeBoolean(r.enableMonitoring());
    }
    out.writeInt(e.additionalGids().size());
    for (long g : e.additionalGids()) {
      out.writeLong(g);
    }
    out.writeInt(e.netDevices().size());
    for (NetDevice d : e.netDevices()) {
      str(out, d.hostInterfaceName());
      str(out, d.name());
    }
  }

  private static ContainerEdits edits(ByteBuffer in) throws IOException {
    List<String> env = strs(in);
    int n = count(in);
    List<DeviceNode> nodes = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      String path = str(in);
      String hostPath = str(in);
      String type = str(in);
      long major = in.getLong();
      long minor = in.getLong();
      Long mode = optionalLong(in);
      String permissions = str(in);
      nodes.add(
          new DeviceNode(
              path,
              hostPath,
              type,
              major,
              minor,
              mode == null ? null : mode.intValue(),
              permissions,
              optionalLong(in),
              optionalLong(in)));
    }
    n = count(in);
    List<Mount> mounts = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      mounts.add(new Mount(str(in), str(in), str(in), strs(in)));
    }
    n = count(in);
    List<Hook> hooks = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      String name = str(in);
      String path = str(in);
      List<String> args = strs(in);
      List<String> env2 = strs(in);
      Long timeout = optionalLong(in);
      hooks.add(new Hook(name, path, args, env2, timeout == null ? null : timeout.intValue()));
    }
    IntelRdt rdt =
        (in.get() != 0) ? new IntelRdt(str(in), str(in), str(in), strs(in), (in.get() != 0)) : null;
    n = count(in);
    List<Long> gids = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      gids.add(in.getLong());
    }
    n = count(in);
    List<NetDevice> net = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      net.add(new NetDevice(str(in), str(in)));
    }
    return new ContainerEdits(env, nodes, mounts, hooks, rdt, gids, net);
  }

  private static void str(DataOutputStream out, String s) throws IOException {
    byte[] b = (s == null ? "" : s).getBytes(StandardCharsets.UTF_8);
    out.writeInt(b.length);
    out.write(b);
  }

  private static String str(ByteBuffer in) throws IOException {
    int n = count(in);
    String s = new String(in.array(), in.position(), n, StandardCharsets.UTF_8);
    in.position(in.position() + n);
    return s;
  }

  private static void strs(DataOutputStream out, List<String> list) throws IOException {
    out.writeInt(list.size());
    for (String s : list) {
      str(out, s);
    }
  }

  private static List<String> strs(ByteBuffer in) throws IOException {
    int n = count(in);
    List<String> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      out.add(str(in));
    }
    return out;
  }

  private static void map(DataOutputStream out, Map<String, String> m) throws IOException {
    out.writeInt(m.size());
    for (Map.Entry<String, String> e : m.entrySet()) {
      str(out, e.getKey());
      str(out, e.getValue());
    }
  }

  private static Map<String, String> map(ByteBuffer in) throws IOException {
    int n = count(in);
    Map<String, String> m = new LinkedHashMap<>();
    for (int i = 0; i < n; i++) {
      m.put(str(in), str(in));
    }
    return m;
  }

  private static void optionalLong(DataOutputStream out, Long v) throws IOException {
    out.writeBoolean(v != null);
    if (v != null) {
      out.writeLong(v);
    }
  }

  private static Long optionalLong(ByteBuffer in) throws IOException {
    return (in.get() != 0) ? in.getLong() : null;
  }

  /** A length or count, which a damaged file must not make a huge allocation of. */
  private static int count(ByteBuffer in) throws IOException {
    int n = in.getInt();
    if (n < 0 || n > in.remaining()) {
      throw new IOException("damaged encoded CDI spec: count " + n);
    }
    return n;
  }
}
