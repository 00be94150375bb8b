package io.sifkube.spec;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/** Linux capability names and the default set a container gets (Docker's, as podman uses). */
public final class Capabilities {

  /** Every capability Linux 6.x defines. */
  public static final List<String> ALL =
      List.of(
          "CAP_CHOWN",
          "CAP_DAC_OVERRIDE",
          "CAP_DAC_READ_SEARCH",
          "CAP_FOWNER",
          "CAP_FSETID",
          "CAP_KILL",
          "CAP_SETGID",
          "CAP_SETUID",
          "CAP_SETPCAP",
          "CAP_LINUX_IMMUTABLE",
          "CAP_NET_BIND_SERVICE",
          "CAP_NET_BROADCAST",
          "CAP_NET_ADMIN",
          "CAP_NET_RAW",
          "CAP_IPC_LOCK",
          "CAP_IPC_OWNER",
          "CAP_SYS_MODULE",
          "CAP_SYS_RAWIO",
          "CAP_SYS_CHROOT",
          "CAP_SYS_PTRACE",
          "CAP_SYS_PACCT",
          "CAP_SYS_ADMIN",
          "CAP_SYS_BOOT",
          "CAP_SYS_NICE",
          "CAP_SYS_RESOURCE",
          "CAP_SYS_TIME",
          "CAP_SYS_TTY_CONFIG",
          "CAP_MKNOD",
          "CAP_LEASE",
          "CAP_AUDIT_WRITE",
          "CAP_AUDIT_CONTROL",
          "CAP_SETFCAP",
          "CAP_MAC_OVERRIDE",
          "CAP_MAC_ADMIN",
          "CAP_SYSLOG",
          "CAP_WAKE_ALARM",
          "CAP_BLOCK_SUSPEND",
          "CAP_AUDIT_READ",
          "CAP_PERFMON",
          "CAP_BPF",
          "CAP_CHECKPOINT_RESTORE");

  /** The default set for a container's root user. */
  public static final List<String> DEFAULT =
      List.of(
          "CAP_CHOWN",
          "CAP_DAC_OVERRIDE",
          "CAP_FSETID",
          "CAP_FOWNER",
          "CAP_MKNOD",
          "CAP_NET_RAW",
          "CAP_SETGID",
          "CAP_SETUID",
          "CAP_SETFCAP",
          "CAP_SETPCAP",
          "CAP_NET_BIND_SERVICE",
          "CAP_SYS_CHROOT",
          "CAP_KILL",
          "CAP_AUDIT_WRITE");

  private Capabilities() {}

  /**
   * {@code chown} or {@code CAP_CHOWN} → {@code CAP_CHOWN}; {@code ALL} stays {@code ALL}.
   *
   * @throws IllegalArgumentException naming an unknown capability
   */
  public static String normalize(String name) {
    String n = name.trim().toUpperCase(Locale.ROOT);
    if (n.equals("ALL")) {
      return n;
    }
    if (!n.startsWith("CAP_")) {
      n = "CAP_" + n;
    }
    if (!ALL.contains(n)) {
      throw new IllegalArgumentException("unknown capability \"" + name + "\"");
    }
    return n;
  }

  /** The default set with {@code add} added and {@code drop} removed ({@code ALL} allowed). */
  public static List<String> compute(List<String> add, List<String> drop) {
    Set<String> caps = new LinkedHashSet<>(DEFAULT);
    for (String a : add) {
      String n = normalize(a);
      if (n.equals("ALL")) {
        caps.addAll(ALL);
      } else {
        caps.add(n);
      }
    }
    for (String d : drop) {
      String n = normalize(d);
      if (n.equals("ALL")) {
        caps.clear();
      } else {
        caps.remove(n);
      }
    }
    return new ArrayList<>(caps);
  }
}
