package io.sifkube.cdi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The name grammar of the reference parser, case by case (cdi.md §1.3 and §6.5). */
class QualifiedNameTest {

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "nvidia.com/gpu=0|nvidia.com|gpu|0",
        "nvidia.com/gpu=GPU-4d3e0c7a|nvidia.com|gpu|GPU-4d3e0c7a",
        "v.com/c=0:1|v.com|c|0:1",
        "a/b=c|a|b|c",
        "vendor_x.io/class-1=dev.name_2|vendor_x.io|class-1|dev.name_2",
        "v.com/c.x=a|v.com|c.x|a",
        "V.COM/Gpu=A|V.COM|Gpu|A"
      })
  void validNames(String text, String vendor, String cls, String name) {
    QualifiedName q = QualifiedName.parse(text);
    assertThat(q).isEqualTo(new QualifiedName(vendor, cls, name));
    assertThat(q.toString()).isEqualTo(text);
    assertThat(q.kind()).isEqualTo(vendor + "/" + cls);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "nvidia.com/gpu|no '='",
        "gpu=0|no vendor/class before '='",
        "/dev/nvidia0|a device path, not a name",
        "v.com/c=dev:|device name \"dev:\" must end with a letter or digit",
        "v.com/c=a=b|device name \"a=b\" holds '='",
        "v.com/3d=x|class \"3d\" must start with a letter",
        "1v.com/c=x|vendor \"1v.com\" must start with a letter",
        "v.com-/c=x|vendor \"v.com-\" must end with a letter or digit",
        "v.com/c/d=x|class \"c/d\" holds '/'",
        "v.com/c=|no name after '='",
        "=x|no vendor/class before '='",
        "v.com/c=-a|device name \"-a\" must start with a letter or digit",
        "*gpu*|no '='",
        "v.com/c=gpü|device name \"gpü\" must end with a letter or digit"
      })
  void invalidNames(String text, String why) {
    assertThat(QualifiedName.isQualified(text)).isFalse();
    assertThatThrownBy(() -> QualifiedName.parse(text))
        .isInstanceOf(CdiException.class)
        .hasMessageStartingWith(
            "\"" + text + "\" is not a CDI device name (vendor/class=name): " + why);
  }
}
