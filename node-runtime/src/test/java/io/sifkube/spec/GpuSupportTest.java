package io.sifkube.spec;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import org.junit.jupiter.api.Test;

class GpuSupportTest {

  private static final List<String> LDCONFIG =
      List.of(
          "1234 libs found in cache `/etc/ld.so.cache'",
          "\tlibcuda.so.1 (libc6,x86-64) => /usr/lib/x86_64-linux-gnu/libcuda.so.1",
          "\tlibcuda.so.1 (libc6) => /usr/lib/i386-linux-gnu/libcuda.so.1",
          "\tlibnvidia-ml.so.1 (libc6,x86-64) => /usr/lib/x86_64-linux-gnu/libnvidia-ml.so.1",
          "\tlibamdhip64.so.6 (libc6,x86-64) => /opt/rocm/lib/libamdhip64.so.6",
          "\tlibhsa-runtime64.so.1 (libc6,x86-64) => /opt/rocm/lib/libhsa-runtime64.so.1",
          "\tlibz.so.1 (libc6,x86-64) => /lib/x86_64-linux-gnu/libz.so.1");

  private static final List<RunOptions.Device> DEVICES =
      List.of(
          new RunOptions.Device("/dev/nvidia0", "c", 195, 0),
          new RunOptions.Device("/dev/nvidiactl", "c", 195, 255),
          new RunOptions.Device("/dev/kfd", "c", 235, 0),
          new RunOptions.Device("/dev/dri/renderD128", "c", 226, 128));

  @Test
  void nvidiaPicks64BitDriverLibrariesToolsAndItsDevices() {
    GpuSupport.Plan p =
        GpuSupport.plan(
            false, LDCONFIG, List.of("/usr/bin/nvidia-smi", "/usr/bin/rocm-smi"), DEVICES);
    assertThat(p.libraries())
        .containsExactly(
            "/usr/lib/x86_64-linux-gnu/libcuda.so.1",
            "/usr/lib/x86_64-linux-gnu/libnvidia-ml.so.1");
    assertThat(p.binaries()).containsExactly("/usr/bin/nvidia-smi");
    assertThat(p.devices())
        .extracting(RunOptions.Device::path)
        .containsExactly("/dev/nvidia0", "/dev/nvidiactl");
  }

  @Test
  void rocmPicksItsOwn() {
    GpuSupport.Plan p = GpuSupport.plan(true, LDCONFIG, List.of("/usr/bin/rocm-smi"), DEVICES);
    assertThat(p.libraries())
        .containsExactly("/opt/rocm/lib/libamdhip64.so.6", "/opt/rocm/lib/libhsa-runtime64.so.1");
    assertThat(p.devices())
        .extracting(RunOptions.Device::path)
        .containsExactly("/dev/kfd", "/dev/dri/renderD128");
  }

  @Test
  void aHostWithoutTheDriverCoreGivesAnEmptyPlan() {
    assertThat(GpuSupport.plan(false, List.of(), List.of(), List.of()).isEmpty()).isTrue();
    // libdrm and a render node alone are not a ROCm driver.
    List<String> drmOnly =
        List.of("\tlibdrm.so.2 (libc6,x86-64) => /lib/x86_64-linux-gnu/libdrm.so.2");
    List<RunOptions.Device> render =
        List.of(new RunOptions.Device("/dev/dri/renderD128", "c", 226, 128));
    assertThat(GpuSupport.plan(true, drmOnly, List.of("/usr/bin/rocm-smi"), render).isEmpty())
        .isTrue();
  }

  @Test
  void devicesBecomeNodesAndCgroupRulesAndToolsAreBound() throws Exception {
    GpuSupport.Plan p = GpuSupport.plan(false, LDCONFIG, List.of("/usr/bin/nvidia-smi"), DEVICES);
    RunOptions o =
        RunOptions.of(false, List.of())
            .withExtras(
                RunOptions.Extras.builder()
                    .containLibs(p.libraries())
                    .hostBinaries(p.binaries())
                    .devices(p.devices())
                    .build());
    JsonNode spec =
        RuntimeSpec.build(new ObjectMapper().readTree("{\"config\":{\"Cmd\":[\"x\"]}}"), o, "", "");
    assertThat(spec.path("linux").path("devices").toString())
        .contains("\"path\":\"/dev/nvidia0\",\"type\":\"c\",\"major\":195,\"minor\":0");
    assertThat(spec.path("linux").path("resources").path("devices").toString())
        .contains("{\"allow\":true,\"type\":\"c\",\"major\":195,\"minor\":255,\"access\":\"rwm\"}");
    assertThat(spec.path("mounts").toString())
        .contains("\"destination\":\"/usr/bin/nvidia-smi\"")
        .contains("\"destination\":\"/.singularity.d/libs/libcuda.so.1\"");
  }
}
