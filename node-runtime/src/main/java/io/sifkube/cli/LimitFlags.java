package io.sifkube.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.toml.TomlMapper;
import io.sifkube.json.Json;
import io.sifkube.runtime.BlockDevices;
import io.sifkube.spec.Resources;
import io.sifkube.spec.RuntimeSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * The cgroup options of run/exec/shell beyond the common ones ({@code --cpu-quota}, {@code
 * --device-read-bps}, …) and {@code --apply-cgroups FILE}: taken as given, then turned into {@code
 * linux.resources} fields, with devices resolved to their numbers here, at the edge.
 */
final class LimitFlags {

  private final List<String> set = new ArrayList<>();
  private final List<String> weightDevice = new ArrayList<>();
  private final List<String> readBps = new ArrayList<>();
  private final List<String> writeBps = new ArrayList<>();
  private final List<String> readIops = new ArrayList<>();
  private final List<String> writeIops = new ArrayList<>();
  private String cpuPeriod;
  private String cpuQuota;
  private String cpusetMems;
  private String swappiness;
  private boolean oomKillDisable;
  private Path applyCgroups;

  void set(String option, String v) {
    if (!option.equals("--apply-cgroups")) {
      set.add(option);
    }
    switch (option) {
      case "--blkio-weight-device" -> weightDevice.add(v);
      case "--device-read-bps" -> readBps.add(v);
      case "--device-write-bps" -> writeBps.add(v);
      case "--device-read-iops" -> readIops.add(v);
      case "--device-write-iops" -> writeIops.add(v);
      case "--cpu-period" -> cpuPeriod = v;
      case "--cpu-quota" -> cpuQuota = v;
      case "--cpuset-mems" -> cpusetMems = v;
      case "--memory-swappiness" -> swappiness = v;
      case "--oom-kill-disable" -> oomKillDisable = true;
      case "--apply-cgroups" -> applyCgroups = Path.of(v);
      default -> throw new IllegalStateException(option);
    }
  }

  /**
   * The extra {@code linux.resources} fields.
   *
   * @param common the other limit options that were given, by name
   * @param cpus {@code --cpus}, which sets the CFS period and quota itself
   */
  ObjectNode resources(Supplier<List<String>> common, double cpus) throws CliException {
    if (applyCgroups != null) {
      List<String> others = new ArrayList<>(common.get());
      others.addAll(set);
      if (!others.isEmpty()) {
        throw new CliException(
            "--apply-cgroups cannot be combined with "
                + String.join(", ", others.stream().distinct().toList()));
      }
      return cgroupsFile(applyCgroups);
    }
    ObjectNode res = Json.object();
    if (cpuPeriod != null || cpuQuota != null || cpusetMems != null) {
      ObjectNode cpu = res.putObject("cpu");
      if (cpus > 0 && (cpuPeriod != null || cpuQuota != null)) {
        throw new CliException(
            "--cpus sets the CFS period and quota; give it or --cpu-period/--cpu-quota");
      }
      if (cpuPeriod != null) {
        cpu.put("period", number("--cpu-period", cpuPeriod, 1000, 1_000_000));
      }
      if (cpuQuota != null) {
        cpu.put("quota", number("--cpu-quota", cpuQuota, 1000, Long.MAX_VALUE));
      }
      if (cpusetMems != null) {
        if (!cpusetMems.matches("[0-9]+(-[0-9]+)?(,[0-9]+(-[0-9]+)?)*")) {
          throw new CliException(
              "--cpuset-mems \"" + cpusetMems + "\" is not a node list like 0-1,3");
        }
        cpu.put("mems", cpusetMems);
      }
    }
    if (swappiness != null || oomKillDisable) {
      ObjectNode mem = res.putObject("memory");
      if (swappiness != null) {
        mem.put("swappiness", number("--memory-swappiness", swappiness, 0, 100));
      }
      if (oomKillDisable) {
        mem.put("disableOOMKiller", true);
      }
    }
    ObjectNode io = Json.object();
    devices(io, "weightDevice", "weight", "--blkio-weight-device", weightDevice, false);
    devices(io, "throttleReadBpsDevice", "rate", "--device-read-bps", readBps, true);
    devices(io, "throttleWriteBpsDevice", "rate", "--device-write-bps", writeBps, true);
    devices(io, "throttleReadIOPSDevice", "rate", "--device-read-iops", readIops, false);
    devices(io, "throttleWriteIOPSDevice", "rate", "--device-write-iops", writeIops, false);
    if (!io.isEmpty()) {
      res.set("blockIO", io);
    }
    return res;
  }

  private static ObjectNode cgroupsFile(Path file) throws CliException {
    JsonNode tree;
    try {
      tree = new TomlMapper().readTree(Files.readAllBytes(file));
    } catch (IOException e) {
      String why =
          e.getMessage() == null ? e.toString() : e.getMessage().lines().findFirst().orElse("");
      throw new CliException("--apply-cgroups " + file + ": not a readable TOML file: " + why);
    }
    try {
      return Resources.fromCgroupsFile(tree, "--apply-cgroups " + file);
    } catch (IllegalArgumentException e) {
      throw new CliException(e.getMessage());
    }
  }

  private static void devices(
      ObjectNode io, String field, String key, String option, List<String> values, boolean size)
      throws CliException {
    if (values.isEmpty()) {
      return;
    }
    ArrayNode list = io.putArray(field);
    for (String v : values) {
      int colon = v.lastIndexOf(':');
      if (colon <= 0 || colon == v.length() - 1) {
        throw new CliException(option + " \"" + v + "\" is not DEVICE:" + key.toUpperCase());
      }
      String dev = v.substring(0, colon);
      String amount = v.substring(colon + 1);
      long n;
      if (size) {
        try {
          n = RuntimeSpec.parseSize(amount);
        } catch (IllegalArgumentException e) {
          throw new CliException(option + " " + v + ": " + e.getMessage());
        }
      } else if (key.equals("weight")) {
        n = number(option + " " + v, amount, 10, 1000);
      } else {
        n = number(option + " " + v, amount, 1, Long.MAX_VALUE);
      }
      long[] mm = blockDevice(option, dev);
      list.addObject().put("major", mm[0]).put("minor", mm[1]).put(key, n);
    }
  }

  /** The major and minor numbers of the block device at {@code path}. */
  private static long[] blockDevice(String option, String path) throws CliException {
    try {
      return BlockDevices.numbers(Path.of(path), option);
    } catch (IllegalArgumentException e) {
      throw new CliException(e.getMessage());
    }
  }

  private static long number(String option, String v, long min, long max) throws CliException {
    long n;
    try {
      n = Long.parseLong(v.strip());
    } catch (NumberFormatException e) {
      throw new CliException(option + " \"" + v + "\" is not a number");
    }
    if (n < min || n > max) {
      throw new CliException(
          option
              + " "
              + v
              + ": must be "
              + min
              + (max == Long.MAX_VALUE ? " or more" : ".." + max));
    }
    return n;
  }
}
