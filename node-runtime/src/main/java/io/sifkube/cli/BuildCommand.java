package io.sifkube.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sifkube.image.oci.MediaTypes;
import io.sifkube.json.Json;
import io.sifkube.sif.SifCodes;
import io.sifkube.sif.oci.LayerSource;
import io.sifkube.sif.oci.OciSifImage;
import io.sifkube.sif.oci.OciSifWriter;
import io.sifkube.squashfs.SquashfsBuilder;
import io.sifkube.squashfs.SquashfsCompression;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code sifctl build DEST DIR}: packs a root file system directory into an OCI-SIF with one
 * squashfs layer and a minimal image config. The same tree and options give the same file.
 */
@Command(
    name = "build",
    mixinStandardHelpOptions = true,
    description = "Build an OCI-SIF image from a root file system directory.")
final class BuildCommand implements Callable<Integer> {

  @Parameters(index = "0", paramLabel = "DEST", description = "the OCI-SIF file to write")
  Path dest;

  @Parameters(index = "1", paramLabel = "DIR", description = "the root file system directory")
  Path dir;

  @Option(names = "--entrypoint", split = ",", description = "image ENTRYPOINT, comma-separated")
  List<String> entrypoint;

  @Option(names = "--cmd", split = ",", description = "image CMD, comma-separated")
  List<String> cmd;

  @Option(names = "--env", description = "image environment KEY=VALUE (repeatable)")
  List<String> env;

  @Option(names = "--workdir", description = "image working directory")
  String workdir;

  @Option(names = "--arch", description = "image architecture (default: the host's)")
  String arch = SifCodes.hostArch();

  @Option(
      names = "--squashfs-compression",
      paramLabel = "gzip|lz4|zstd|xz",
      converter = CompressionConverter.class,
      description = "compressor of the squashfs layer (default gzip; lz4 and zstd start faster)")
  SquashfsCompression compression = SquashfsCompression.GZIP;

  @Override
  public Integer call() throws Exception {
    if (!Files.isDirectory(dir)) {
      throw new CliException(dir + ": not a directory");
    }
    if (Files.isDirectory(dest)) {
      throw new CliException(dest + ": is a directory; give the OCI-SIF file to write");
    }
    Path parent = dest.toAbsolutePath().getParent();
    Path layer = Files.createTempFile(parent, "." + dest.getFileName(), ".sqfs");
    try {
      Info.line("Creating squashfs layer from " + dir);
      SquashfsBuilder.fromPath().fromDirectory(dir, layer, compression);
      Info.line("Writing OCI-SIF image");
      OciSifImage img =
          OciSifWriter.write(
              dest, List.of(LayerSource.squashfs(layer)), config(), MediaTypes.OCI_MANIFEST);
      Info.line("Wrote " + dest + " (manifest " + img.manifestDigest() + ")");
      return 0;
    } catch (IOException e) {
      throw new CliException(e.getMessage(), e);
    } finally {
      Files.deleteIfExists(layer);
    }
  }

  private ObjectNode config() {
    ObjectNode root = Json.object();
    root.put("architecture", arch);
    root.put("os", "linux");
    ObjectNode c = root.putObject("config");
    if (env != null && !env.isEmpty()) {
      env.forEach(c.putArray("Env")::add);
    }
    if (entrypoint != null) {
      entrypoint.forEach(c.putArray("Entrypoint")::add);
    }
    if (cmd != null) {
      cmd.forEach(c.putArray("Cmd")::add);
    }
    if (workdir != null) {
      c.put("WorkingDir", workdir);
    }
    root.putArray("history")
        .addObject()
        .put("created_by", "sifctl build")
        .put("comment", "built from a directory");
    return root;
  }

  /** Parses {@code --squashfs-compression}, naming the choices when the value is none of them. */
  static final class CompressionConverter
      implements picocli.CommandLine.ITypeConverter<SquashfsCompression> {
    @Override
    public SquashfsCompression convert(String value) {
      try {
        return SquashfsCompression.parse(value);
      } catch (IllegalArgumentException e) {
        throw new picocli.CommandLine.TypeConversionException(e.getMessage());
      }
    }
  }
}
