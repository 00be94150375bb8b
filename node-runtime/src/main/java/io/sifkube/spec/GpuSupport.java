package io.sifkube.spec;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What {@code --nv} and {@code --rocm} bring into a container: the host driver's libraries (found
 * in {@code ldconfig -p}, bound into /.singularity.d/libs), its tools and its device nodes. Pure:
 * the caller passes what the host has.
 */
public final class GpuSupport {

  /** NVIDIA driver libraries, by soname prefix (SingularityCE's nvliblist.conf, abridged). */
  static final List<String> NVIDIA_LIBS =
      List.of(
          "libcuda.so",
          "libcudadebugger.so",
          "libnvidia-ml.so",
          "libnvidia-ptxjitcompiler.so",
          "libnvidia-fatbinaryloader.so",
          "libnvidia-opencl.so",
          "libnvidia-compiler.so",
          "libnvidia-cfg.so",
          "libnvidia-gpucomp.so",
          "libnvidia-allocator.so",
          "libnvidia-nvvm.so",
          "libnvcuvid.so",
          "libnvidia-encode.so",
          "libnvidia-opticalflow.so",
          "libGLX_nvidia.so",
          "libEGL_nvidia.so",
          "libGLESv2_nvidia.so",
          "libGLESv1_CM_nvidia.so",
          "libnvidia-eglcore.so",
          "libnvidia-glcore.so",
          "libnvidia-tls.so",
          "libnvidia-glsi.so",
          "libnvidia-rtcore.so",
          "libnvoptix.so");

  static final List<String> NVIDIA_BINARIES =
      List.of(
          "nvidia-smi",
          "nvidia-debugdump",
          "nvidia-persistenced",
          "nvidia-cuda-mps-control",
          "nvidia-cuda-mps-server");

  /** ROCm libraries, by soname prefix (SingularityCE's rocmliblist.conf, abridged). */
  static final List<String> ROCM_LIBS =
      List.of(
          "libamdhip64.so",
          "libhsa-runtime64.so",
          "libhsakmt.so",
          "libamd_comgr.so",
          "libdrm_amdgpu.so",
          "libdrm.so",
          "librocm_smi64.so",
          "librocm-core.so");

  static final List<String> ROCM_BINARIES = List.of("rocm-smi", "rocminfo");

  private GpuSupport() {}

  /**
   * What to bring in.
   *
   * @param libraries host library files
   * @param binaries host programs
   * @param devices device nodes
   */
  public record Plan(
      List<String> libraries, List<String> binaries, List<RunOptions.Device> devices) {
    public boolean isEmpty() {
      return libraries.isEmpty() && devices.isEmpty();
    }
  }

  /**
   * The plan for NVIDIA ({@code rocm} false) or ROCm.
   *
   * @param ldconfig the lines of {@code ldconfig -p} ("libcuda.so.1 (libc6,x86-64) => /usr/lib/…")
   * @param hostBinaries the driver tools found on the host's PATH
   * @param deviceNodes device nodes that exist on the host, with their numbers
   */
  public static Plan plan(
      boolean rocm,
      List<String> ldconfig,
      List<String> hostBinaries,
      List<RunOptions.Device> deviceNodes) {
    List<String> prefixes = rocm ? ROCM_LIBS : NVIDIA_LIBS;
    Map<String, String> bySoname = new LinkedHashMap<>();
    for (String line : ldconfig) {
      String l = line.strip();
      int arrow = l.indexOf("=>");
      if (arrow < 0 || !l.contains("x86-64") && !l.contains("AArch64")) {
        continue; // 64-bit libraries only: the container runs the host's architecture
      }
      String soname = l.substring(0, l.indexOf(' ') < 0 ? l.length() : l.indexOf(' '));
      String path = l.substring(arrow + 2).strip();
      for (String p : prefixes) {
        if (soname.startsWith(p)) {
          bySoname.putIfAbsent(soname, path);
        }
      }
    }
    List<String> wanted = rocm ? ROCM_BINARIES : NVIDIA_BINARIES;
    List<String> bins = new ArrayList<>();
    for (String b : hostBinaries) {
      if (wanted.contains(b.substring(b.lastIndexOf('/') + 1))) {
        bins.add(b);
      }
    }
    List<RunOptions.Device> devs = new ArrayList<>();
    for (RunOptions.Device d : deviceNodes) {
      boolean ours =
          rocm
              ? d.path().equals("/dev/kfd") || d.path().startsWith("/dev/dri/")
              : d.path().startsWith("/dev/nvidia");
      if (ours) {
        devs.add(d);
      }
    }
    // Generic pieces (libdrm, /dev/dri) exist on many hosts; only the driver's core makes a GPU.
    boolean core =
        bySoname.keySet().stream()
                .anyMatch(n -> n.startsWith(rocm ? "libhsa-runtime64.so" : "libcuda.so"))
            || devs.stream().anyMatch(d -> d.path().equals(rocm ? "/dev/kfd" : "/dev/nvidiactl"));
    if (!core) {
      return new Plan(List.of(), List.of(), List.of());
    }
    return new Plan(new ArrayList<>(bySoname.values()), bins, devs);
  }
}
