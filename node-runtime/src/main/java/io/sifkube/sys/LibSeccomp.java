package io.sifkube.sys;

import com.sun.jna.Function;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Pointer;

/**
 * The libseccomp calls that compile a filter to BPF. Only this package may use it. Called through
 * JNA {@link Function}s, as {@link LibC} is and for the same reason.
 */
final class LibSeccomp {

  /**
   * Loaded on first use, by soname (runc and crun depend on the same library); an {@link
   * UnsatisfiedLinkError} where it is missing.
   */
  static final class Holder {
    static final LibSeccomp INSTANCE = new LibSeccomp();

    private Holder() {}
  }

  private final NativeLibrary lib;

  private LibSeccomp() {
    lib = NativeLibraries.bySoname("libseccomp.so.2");
  }

  private Function f(String name) {
    return lib.getFunction(name);
  }

  Pointer seccomp_init(int defAction) {
    return f("seccomp_init").invokePointer(new Object[] {defAction});
  }

  void seccomp_release(Pointer ctx) {
    f("seccomp_release").invokeVoid(new Object[] {ctx});
  }

  int seccomp_arch_resolve_name(String name) {
    return f("seccomp_arch_resolve_name").invokeInt(new Object[] {name});
  }

  int seccomp_arch_add(Pointer ctx, int archToken) {
    return f("seccomp_arch_add").invokeInt(new Object[] {ctx, archToken});
  }

  int seccomp_syscall_resolve_name(String name) {
    return f("seccomp_syscall_resolve_name").invokeInt(new Object[] {name});
  }

  /** {@code args} holds {@code count} struct scmp_arg_cmp, 24 bytes each. */
  int seccomp_rule_add_array(Pointer ctx, int action, int syscall, int count, byte[] args) {
    return f("seccomp_rule_add_array").invokeInt(new Object[] {ctx, action, syscall, count, args});
  }

  int seccomp_attr_set(Pointer ctx, int attr, int value) {
    return f("seccomp_attr_set").invokeInt(new Object[] {ctx, attr, value});
  }

  int seccomp_export_bpf(Pointer ctx, int fd) {
    return f("seccomp_export_bpf").invokeInt(new Object[] {ctx, fd});
  }

  /** struct scmp_version {unsigned int major, minor, micro}. */
  Pointer seccomp_version() {
    return f("seccomp_version").invokePointer(new Object[0]);
  }
}
