package io.sifkube.cli;

import io.sifkube.sif.CreateOptions;
import io.sifkube.sif.ObjectInput;
import io.sifkube.sif.SifCodes;
import io.sifkube.sif.SifFile;
import io.sifkube.sif.SifWriter;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code sifctl sif}: the reference {@code siftool} commands. The read-only views print exactly
 * what siftool prints for the same file; the modifying commands take siftool's arguments.
 */
@Command(
    name = "sif",
    mixinStandardHelpOptions = true,
    description = "Inspect and modify SIF files (the commands of siftool).")
final class SifCommand {

  @Spec CommandSpec spec;

  @Command(
      mixinStandardHelpOptions = true,
      name = "header",
      description = "Display the global header of a SIF.")
  int header(@Parameters(paramLabel = "FILE") Path file) throws IOException {
    try (SifFile sif = SifFile.open(file)) {
      print(SifViews.header(sif.header()));
    }
    return 0;
  }

  @Command(
      mixinStandardHelpOptions = true,
      name = "list",
      description = "List the data objects of a SIF.")
  int list(@Parameters(paramLabel = "FILE") Path file) throws IOException {
    try (SifFile sif = SifFile.open(file)) {
      print(SifViews.list(sif.descriptors()));
    }
    return 0;
  }

  @Command(
      mixinStandardHelpOptions = true,
      name = "info",
      description = "Display the details of one data object.")
  int info(@Parameters(paramLabel = "ID") int id, @Parameters(paramLabel = "FILE") Path file)
      throws IOException {
    try (SifFile sif = SifFile.open(file)) {
      print(SifViews.info(sif.descriptor(id)));
    }
    return 0;
  }

  @Command(
      mixinStandardHelpOptions = true,
      name = "dump",
      description = "Write the data of one object to standard output.")
  int dump(@Parameters(paramLabel = "ID") int id, @Parameters(paramLabel = "FILE") Path file)
      throws IOException {
    try (SifFile sif = SifFile.open(file)) {
      OutputStream out = new BufferedOutputStream(System.out, 1 << 16);
      sif.copyObject(id, out);
      out.flush();
    }
    return 0;
  }

  @Command(mixinStandardHelpOptions = true, name = "new", description = "Create an empty SIF.")
  int create(@Parameters(paramLabel = "FILE") Path file) throws IOException {
    SifWriter.create(file, CreateOptions.defaults()).close();
    return 0;
  }

  @Command(
      mixinStandardHelpOptions = true,
      name = "add",
      description = "Add a data object to a SIF.")
  int add(
      @Parameters(index = "0", paramLabel = "FILE") Path file,
      @Parameters(index = "1", paramLabel = "OBJECT") Path object,
      @Option(
              names = "--datatype",
              required = true,
              description =
                  "1 Deffile, 2 EnvVar, 3 Labels, 4 Partition, 5 Signature, 6 GenericJSON,"
                      + " 7 Generic, 8 CryptoMessage, 9 SBOM, 10 OCI.RootIndex, 11 OCI.Blob")
          int dataType,
      @Option(names = "--parttype", description = "1 System, 2 PrimSys, 3 Data, 4 Overlay")
          int partType,
      @Option(names = "--partfs", description = "1 Squash, 2 Ext3, 3 ImmuObj, 4 Raw") int partFs,
      @Option(names = "--partarch", description = "1 386, 2 amd64, 3 arm, 4 arm64, … 12 riscv64")
          int partArch,
      @Option(
              names = "--signhash",
              description = "1 SHA256, 2 SHA384, 3 SHA512, 4 BLAKE2s, 5 BLAKE2b")
          int signHash,
      @Option(names = "--signentity", description = "signing key fingerprint, 40 hex digits")
          String signEntity,
      @Option(names = "--sbomformat", description = "cyclonedx-json, spdx-json, …") String sbom,
      @Option(names = "--groupid", description = "object group (default: none)") int groupId,
      @Option(names = "--link", description = "linked object ID") int link,
      @Option(names = "--alignment", defaultValue = "-1", description = "data alignment in bytes")
          int alignment,
      @Option(names = "--filename", description = "object name (default: the input file name)")
          String name)
      throws IOException, CliException {
    ObjectInput in =
        objectInput(dataType, partType, partFs, partArch, signHash, signEntity, sbom)
            .withGroup(groupId)
            .withLink(link, false)
            .withName(name != null ? name : object.getFileName().toString());
    if (alignment >= 0) {
      in = in.withAlignment(alignment);
    }
    try (SifWriter w = SifWriter.open(file)) {
      w.add(in, object);
    }
    return 0;
  }

  @Command(
      mixinStandardHelpOptions = true,
      name = "del",
      description = "Delete a data object (its bytes are zeroed).")
  int delete(
      @Parameters(paramLabel = "ID") int id,
      @Parameters(paramLabel = "FILE") Path file,
      @Option(names = "--compact", description = "also cut the file back (last object only)")
          boolean compact)
      throws IOException {
    try (SifWriter w = SifWriter.open(file)) {
      w.delete(id, true, compact);
    }
    return 0;
  }

  @Command(
      mixinStandardHelpOptions = true,
      name = "setprim",
      description = "Make a system partition the primary partition.")
  int setPrimary(@Parameters(paramLabel = "ID") int id, @Parameters(paramLabel = "FILE") Path file)
      throws IOException {
    try (SifWriter w = SifWriter.open(file)) {
      w.setPrimaryPartition(id);
    }
    return 0;
  }

  private void print(String text) {
    spec.commandLine().getOut().print(text);
    spec.commandLine().getOut().flush();
  }

  static ObjectInput objectInput(
      int dataType,
      int partType,
      int partFs,
      int partArch,
      int signHash,
      String entity,
      String sbom)
      throws CliException {
    if (dataType < 1 || dataType > 11) {
      throw new CliException("--datatype must be 1..11, not " + dataType);
    }
    int code = SifCodes.DATA_DEFFILE + dataType - 1;
    return switch (code) {
      case SifCodes.DATA_PARTITION -> {
        if (partType < 1
            || partType > 4
            || partFs < 1
            || partFs > 5
            || partArch < 1
            || partArch > 13) {
          throw new CliException(
              "a partition needs --parttype 1..4, --partfs 1..5 and --partarch 1..13");
        }
        yield ObjectInput.partition(
            partFs, partType, SifCodes.archName(String.format(Locale.ROOT, "%02d", partArch)));
      }
      case SifCodes.DATA_SIGNATURE -> {
        if (signHash < 1 || signHash > 5) {
          throw new CliException("a signature needs --signhash 1..5");
        }
        byte[] fp;
        try {
          fp = HexFormat.of().parseHex(entity == null ? "" : entity);
        } catch (IllegalArgumentException e) {
          throw new CliException("--signentity is not hex: " + entity);
        }
        if (fp.length != 20) {
          throw new CliException("--signentity must be 20 bytes (40 hex digits), got " + fp.length);
        }
        yield ObjectInput.signature(signHash, fp);
      }
      case SifCodes.DATA_SBOM -> {
        int format = SifCodes.sbomFormatCode("github".equals(sbom) ? "github-json" : sbom);
        if (format < 0) {
          throw new CliException(
              "an SBOM needs --sbomformat, one of "
                  + String.join(", ", SifCodes.sbomFormatNames()));
        }
        yield ObjectInput.sbom(format);
      }
      default -> ObjectInput.of(code);
    };
  }
}
