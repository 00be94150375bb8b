package io.sifkube.siflet.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Status;
import io.sifkube.image.ImageException;
import io.sifkube.runtime.ContainerException;
import io.sifkube.sif.SifException;
import io.sifkube.siflet.SifletException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class StatusesTest {

  private static Status.Code code(Throwable t, List<String> log) {
    return Statuses.toStatus(t, log::add).getStatus().getCode();
  }

  @Test
  void eachFailureGetsItsCodeAndKeepsItsMessage() {
    List<String> log = new ArrayList<>();
    assertThat(code(SifletException.invalid("x"), log)).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(code(SifletException.notFound("x"), log)).isEqualTo(Status.Code.NOT_FOUND);
    assertThat(code(SifletException.precondition("x"), log))
        .isEqualTo(Status.Code.FAILED_PRECONDITION);
    assertThat(code(new ImageException(ImageException.Reason.UNAVAILABLE, "503"), log))
        .as("transient registry trouble")
        .isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(code(new ImageException(ImageException.Reason.UNAUTHORIZED, "401"), log))
        .isEqualTo(Status.Code.UNAUTHENTICATED);
    assertThat(code(new ImageException(ImageException.Reason.DIGEST_MISMATCH, "d"), log))
        .isEqualTo(Status.Code.DATA_LOSS);
    assertThat(code(new ImageException(ImageException.Reason.NOT_FOUND, "tag"), log))
        .isEqualTo(Status.Code.NOT_FOUND);
    assertThat(
            code(
                new SifException(
                    java.nio.file.Path.of("x.sif"), SifException.Reason.CORRUPT, "bad"),
                log))
        .isEqualTo(Status.Code.DATA_LOSS);
    assertThat(
            code(
                new ContainerException("img: user x", new IllegalArgumentException("user x")), log))
        .isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(log).as("client errors are not logged as internal").isEmpty();

    var internal = Statuses.toStatus(new IOException("disk on fire"), log::add);
    assertThat(internal.getStatus().getCode()).isEqualTo(Status.Code.INTERNAL);
    assertThat(internal.getStatus().getDescription()).isEqualTo("disk on fire");
    assertThat(log).containsExactly("internal error: java.io.IOException: disk on fire");
  }
}
