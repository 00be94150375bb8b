package io.sifkube.sys;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Pointer;

/** The libseccomp calls that compile a filter to BPF. Only this package may use it. */
interface LibSeccomp extends Library {

  /** Loaded on first use, by soname (runc and crun depend on the same library). */
  final class Holder {
    static final LibSeccomp INSTANCE = Native.load("libseccomp.so.2", LibSeccomp.class);

    private Holder() {}
  }

  Pointer seccomp_init(int defAction);

  void seccomp_release(Pointer ctx);

  int seccomp_arch_resolve_name(String name);

  int seccomp_arch_add(Pointer ctx, int archToken);

  int seccomp_syscall_resolve_name(String name);

  /** {@code args} holds {@code count} struct scmp_arg_cmp, 24 bytes each. */
  int seccomp_rule_add_array(Pointer ctx, int action, int syscall, int count, byte[] args);

  int seccomp_attr_set(Pointer ctx, int attr, int value);

  int seccomp_export_bpf(Pointer ctx, int fd);

  /** struct scmp_version {unsigned int major, minor, micro}. */
  Pointer seccomp_version();
}
