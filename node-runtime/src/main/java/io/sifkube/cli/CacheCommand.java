package io.sifkube.cli;

import io.sifkube.image.store.ImageCache;
import java.nio.file.Path;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

/** {@code sifctl cache list|clean}: the pulled-image cache. */
@Command(name = "cache", mixinStandardHelpOptions = true, description = "Manage the image cache.")
final class CacheCommand {

  @Spec CommandSpec spec;

  @Option(
      names = "--cache-dir",
      scope = ScopeType.INHERIT,
      description = "cache directory (default: $SIFKUBE_CACHEDIR or ~/.cache/sifkube)")
  Path cacheDir;

  private ImageCache cache() {
    return new ImageCache(cacheDir != null ? cacheDir : ImageCache.defaultRoot());
  }

  @Command(
      mixinStandardHelpOptions = true,
      name = "list",
      description = "List cached OCI-SIF images.")
  int list() throws Exception {
    var out = spec.commandLine().getOut();
    var entries = cache().list();
    out.printf(Locale.ROOT, "%-71s %-11s %12s%n", "MANIFEST DIGEST", "COMPRESSION", "SIZE");
    for (ImageCache.Entry e : entries) {
      out.printf(
          Locale.ROOT,
          "%-71s %-11s %12s%n",
          e.manifest(),
          e.compression(),
          SifViews.readableSize(e.size()));
    }
    out.flush();
    return 0;
  }

  @Command(
      mixinStandardHelpOptions = true,
      name = "clean",
      description = "Remove every cached blob and image.")
  int clean() throws Exception {
    long freed = cache().clean();
    Info.line("Removed " + SifViews.readableSize(freed) + " from " + cache().root());
    return 0;
  }
}
