package io.sifkube.sif;

import static org.assertj.core.api.Assertions.assertThat;

import io.sifkube.testing.Fixtures;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Rebuilding each deterministic reference SIF from its own objects, with our writer, gives the
 * reference file byte for byte: same header, descriptor table, alignment, padding and offsets.
 */
class SifWriterReferenceTest {

  @TempDir Path tmp;

  static Stream<Path> deterministicReferenceSifs() throws Exception {
    return Fixtures.referenceSifs().stream().filter(SifWriterReferenceTest::isDeterministic);
  }

  private static boolean isDeterministic(Path p) {
    try (SifFile f = SifFile.open(p)) {
      return f.header().isDeterministic()
          && f.descriptors().stream().allMatch(d -> d.createdAt() == SifHeader.ZERO_TIME);
    } catch (SifException e) {
      throw new AssertionError(e);
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("deterministicReferenceSifs")
  void rebuildIsByteIdentical(Path reference) throws Exception {
    Path copy = tmp.resolve("copy.sif");
    try (SifFile ref = SifFile.open(reference)) {
      var h = ref.header();
      var opts =
          CreateOptions.deterministic((int) h.descriptorsTotal())
              .withLaunchScript(h.launchScriptText());
      try (SifWriter w = SifWriter.create(copy, opts)) {
        for (SifDescriptor d : ref.descriptors()) {
          var in =
              new ObjectInput(
                  d.dataType(),
                  d.nameText(),
                  d.groupId(),
                  d.linkedId(),
                  d.linksGroup(),
                  d.extra(),
                  d.dataType() == SifCodes.DATA_PARTITION ? 4096 : 0);
          byte[] data = ref.readObject(d, 1 << 20);
          w.add(in, new ByteArrayInputStream(data));
        }
      }
    }
    assertThat(Files.mismatch(copy, reference)).as("first differing byte").isEqualTo(-1L);
  }

  @Test
  void mostReferenceFilesAreDeterministicAndSoRebuilt() throws Exception {
    // Guards against the parameterized test above silently running on nothing.
    assertThat(deterministicReferenceSifs().count()).isGreaterThanOrEqualTo(10);
  }
}
