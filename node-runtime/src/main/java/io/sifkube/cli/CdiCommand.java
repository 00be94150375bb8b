package io.sifkube.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sifkube.cdi.CdiException;
import io.sifkube.cdi.CdiRegistry;
import io.sifkube.cdi.CdiSpec;
import io.sifkube.cdi.CdiVersions;
import io.sifkube.cdi.Inventory;
import io.sifkube.cdi.SpecReader;
import io.sifkube.json.Json;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code sifctl cdi list|validate}: what the CDI spec directories offer, and whether spec files
 * would load — what {@code nvidia-ctk cdi list} gives, for every vendor, without a vendor tool.
 */
@Command(
    name = "cdi",
    mixinStandardHelpOptions = true,
    description = "List the CDI devices this host offers, and check CDI spec files.")
final class CdiCommand {

  @Spec CommandSpec spec;

  @Command(
      name = "list",
      mixinStandardHelpOptions = true,
      description =
          "List every CDI device offered, with the spec file that defines it; files that cannot"
              + " be used are reported on standard error.")
  int list(
      @Option(
              names = "--cdi-dirs",
              split = ",",
              paramLabel = "DIR",
              description =
                  "spec directories, lowest priority first (default: /etc/cdi,/var/run/cdi)")
          List<String> dirs,
      @Option(
              names = {"-o", "--output"},
              paramLabel = "FORMAT",
              description = "table (default) or json")
          String output)
      throws CliException {
    if (output != null && !output.equals("table") && !output.equals("json")) {
      throw new CliException("-o " + output + ": not table or json");
    }
    CdiRegistry registry =
        new CdiRegistry(dirs == null ? CdiRegistry.DEFAULT_DIRS : RunFlags.parseCdiDirs(dirs));
    Inventory inv = registry.scan();
    PrintWriter out = spec.commandLine().getOut();
    if ("json".equals(output)) {
      out.println(Json.pretty(toJson(registry.dirs(), inv)));
    } else {
      TabWriter t = new TabWriter(3).line("DEVICE\tCDI VERSION\tSPEC FILE");
      inv.devices()
          .values()
          .forEach(e -> t.line(e.name() + "\t" + e.spec().version() + "\t" + e.spec().path()));
      out.print(t);
      for (Inventory.SpecError e : inv.errors()) {
        Info.warn(e.path() + ": " + e.message());
      }
    }
    out.flush();
    return 0;
  }

  @Command(
      name = "validate",
      mixinStandardHelpOptions = true,
      description =
          "Check CDI spec files as siflet and sifctl read them; exit 1 when one would not load.")
  int validate(@Parameters(paramLabel = "FILE", arity = "1..*") List<Path> files) {
    PrintWriter out = spec.commandLine().getOut();
    int bad = 0;
    for (Path f : files) {
      String name = f.getFileName().toString();
      try {
        byte[] bytes = Files.readAllBytes(f);
        CdiSpec s = SpecReader.read(f.toString(), bytes, 0);
        if (!name.endsWith(".json") && !name.endsWith(".yaml")) {
          throw new CdiException(
              f
                  + ": valid, but not read from a spec directory: the name must end in .json or .yaml");
        }
        out.println(
            f
                + ": ok: "
                + s.kind()
                + ", "
                + s.devices().size()
                + " device(s) ("
                + String.join(", ", s.devices().stream().map(CdiSpec.Device::name).toList())
                + "), cdiVersion "
                + s.version()
                + " (needs "
                + CdiVersions.required(s).version()
                + ")");
      } catch (CdiException e) {
        bad++;
        out.println(e.getMessage());
      } catch (IOException e) {
        bad++;
        out.println(f + ": cannot read: " + e.getMessage());
      }
    }
    out.flush();
    return bad == 0 ? 0 : Sifctl.EXIT_FAILURE;
  }

  private static ObjectNode toJson(List<Path> dirs, Inventory inv) {
    ObjectNode root = Json.object();
    ArrayNode d = root.putArray("dirs");
    dirs.forEach(p -> d.add(p.toString()));
    ArrayNode devices = root.putArray("devices");
    for (Inventory.Entry e : inv.devices().values()) {
      ObjectNode o = devices.addObject();
      o.put("name", e.name());
      o.put("spec", e.spec().path());
      o.put("sha256", e.spec().sha256());
      o.put("cdiVersion", e.spec().version());
      o.put("priority", e.spec().priority());
      ObjectNode a = o.putObject("annotations");
      e.device().annotations().forEach(a::put);
    }
    ArrayNode errors = root.putArray("errors");
    for (Inventory.SpecError e : inv.errors()) {
      errors.addObject().put("path", e.path()).put("message", e.message());
    }
    return root;
  }
}
