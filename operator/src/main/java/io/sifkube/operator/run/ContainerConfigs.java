package io.sifkube.operator.run;

import io.fabric8.kubernetes.api.model.Quantity;
import io.sifkube.api.v1alpha1.SifRunSpec;
import io.sifkube.node.v1.Bind;
import io.sifkube.node.v1.ContainerConfig;
import io.sifkube.node.v1.DeviceWeight;
import io.sifkube.node.v1.Resources;
import io.sifkube.node.v1.SeccompProfile;
import java.util.Optional;

/** Turns a SifRun's spec into the ContainerConfig siflet runs. Pure. */
public final class ContainerConfigs {

  private ContainerConfigs() {}

  /** The config for {@code spec}, running {@code image} (a manifest digest the node has pulled). */
  public static ContainerConfig of(SifRunSpec spec, String image) {
    ContainerConfig.Builder c = ContainerConfig.newBuilder().setImage(image);
    if (spec.command != null) {
      c.addAllCommand(spec.command);
    }
    if (spec.args != null) {
      c.addAllArgs(spec.args);
    }
    if (spec.env != null) {
      spec.env.forEach(e -> c.addEnv(e.name + "=" + (e.value == null ? "" : e.value)));
    }
    Optional.ofNullable(spec.workingDir).ifPresent(c::setWorkingDir);
    Optional.ofNullable(spec.hostname).ifPresent(c::setHostname);
    if (spec.binds != null) {
      for (SifRunSpec.Bind b : spec.binds) {
        c.addBinds(
            Bind.newBuilder()
                .setSource(b.hostPath)
                .setDestination(b.mountPath == null ? "" : b.mountPath)
                .setReadOnly(Boolean.TRUE.equals(b.readOnly)));
      }
    }
    if (spec.overlay != null) {
      c.addAllOverlays(spec.overlay);
    }
    c.setNoCompat(Boolean.FALSE.equals(spec.compat));
    if (spec.namespaces != null) {
      c.setNetwork(Boolean.TRUE.equals(spec.namespaces.network));
      c.setUts(Boolean.TRUE.equals(spec.namespaces.uts));
    }
    if (spec.capabilities != null) {
      if (spec.capabilities.add != null) {
        c.addAllAddCaps(spec.capabilities.add);
      }
      if (spec.capabilities.drop != null) {
        c.addAllDropCaps(spec.capabilities.drop);
      }
      c.setNoPrivs(Boolean.TRUE.equals(spec.capabilities.noPrivs));
    }
    c.setFakeroot(Boolean.TRUE.equals(spec.fakeroot));
    if (spec.resources != null) {
      Resources.Builder r = Resources.newBuilder();
      if (spec.resources.cpu != null) {
        r.setCpus(amount(spec.resources.cpu));
      }
      if (spec.resources.memory != null) {
        r.setMemoryBytes((long) amount(spec.resources.memory));
      }
      if (spec.resources.pids != null) {
        r.setPidsLimit(spec.resources.pids);
      }
      if (spec.resources.cpuPeriodMicroseconds != null) {
        r.setCpuPeriodUs(spec.resources.cpuPeriodMicroseconds);
      }
      if (spec.resources.memorySwap != null) {
        r.setMemorySwapBytes((long) amount(spec.resources.memorySwap));
      }
      if (spec.resources.cpusetMems != null) {
        r.setCpusetMems(spec.resources.cpusetMems);
      }
      SifRunSpec.BlockIO io = spec.resources.blockIO;
      if (io != null) {
        if (io.weight != null) {
          r.setBlkioWeight(io.weight);
        }
        if (io.weightDevices != null) {
          for (SifRunSpec.DeviceWeight d : io.weightDevices) {
            r.addBlkioWeightDevices(
                DeviceWeight.newBuilder()
                    .setPath(d.path)
                    .setWeight(d.weight == null ? 0 : d.weight));
          }
        }
      }
      c.setResources(r);
    }
    if (spec.securityContext != null && spec.securityContext.seccompProfile != null) {
      SifRunSpec.SeccompProfile p = spec.securityContext.seccompProfile;
      SeccompProfile.Builder s = SeccompProfile.newBuilder();
      switch (p.type) {
        case "Unconfined" -> s.setType(SeccompProfile.Type.UNCONFINED);
        case "Localhost" ->
            s.setType(SeccompProfile.Type.LOCALHOST)
                .setLocalhostProfile(p.localhostProfile == null ? "" : p.localhostProfile);
        default -> s.setType(SeccompProfile.Type.RUNTIME_DEFAULT);
      }
      c.setSeccomp(s);
    }
    if (spec.devices != null) {
      c.addAllDevices(spec.devices);
    }
    return c.build();
  }

  /** What the cluster cannot do yet for parallel runs, said before anything is placed. */
  private static String invalidRanks(SifRunSpec spec) {
    int n = spec.parallelism == null ? 1 : spec.parallelism;
    if (Boolean.FALSE.equals(spec.gang) && n > 1) {
      return "spec.gang: false is not supported yet; ranks are always placed and started as a gang";
    }
    return null;
  }

  /** A quantity in its base unit: cores for cpu ("500m" is 0.5), bytes for memory. */
  static double amount(Quantity q) {
    return q == null ? 0 : Quantity.getAmountInBytes(q).doubleValue();
  }

  /**
   * Why a spec cannot run, or null. The API server's schema checks the rest; this is what a 1.20
   * schema cannot say.
   */
  public static String invalid(SifRunSpec spec) {
    if (spec == null) {
      return "spec: required";
    }
    boolean image = spec.image != null && !spec.image.isEmpty();
    boolean source = spec.source != null && !spec.source.isEmpty();
    if (image == source) {
      return "spec.image and spec.source: exactly one must be set";
    }
    if (spec.resources != null && spec.resources.cpu != null && amount(spec.resources.cpu) <= 0) {
      return "spec.resources.cpu: must be positive";
    }
    if (spec.resources != null
        && spec.resources.memorySwap != null
        && spec.resources.memory != null
        && amount(spec.resources.memorySwap) < amount(spec.resources.memory)) {
      return "spec.resources.memorySwap: must be at least spec.resources.memory";
    }
    String ranks = invalidRanks(spec);
    if (ranks != null) {
      return ranks;
    }
    SifRunSpec.SeccompProfile p =
        spec.securityContext == null ? null : spec.securityContext.seccompProfile;
    if (p != null) {
      boolean local = "Localhost".equals(p.type);
      boolean named = p.localhostProfile != null && !p.localhostProfile.isEmpty();
      if (local != named) {
        return "spec.securityContext.seccompProfile.localhostProfile: "
            + (local ? "required with type Localhost" : "only with type Localhost");
      }
      if (named && (p.localhostProfile.startsWith("/") || p.localhostProfile.contains(".."))) {
        return "spec.securityContext.seccompProfile.localhostProfile: \""
            + p.localhostProfile
            + "\" must be a relative path inside the node's profile root";
      }
    }
    return null;
  }
}
