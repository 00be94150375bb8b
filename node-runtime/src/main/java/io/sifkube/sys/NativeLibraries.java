package io.sifkube.sys;

import com.sun.jna.NativeLibrary;

/** How this package opens a native library. */
final class NativeLibraries {

  private NativeLibraries() {}

  /**
   * The library by its soname, which the dynamic loader finds without a search path; and JNA is
   * told it needs none: otherwise JNA's first library runs {@code ldconfig -p} to learn the
   * system's library directories, a process spawn that was a tenth of a short {@code sifctl exec}.
   *
   * @throws UnsatisfiedLinkError where the library is missing
   */
  static NativeLibrary bySoname(String soname) {
    System.getProperties().putIfAbsent("jna.platform.library.path", "");
    return NativeLibrary.getInstance(soname);
  }
}
