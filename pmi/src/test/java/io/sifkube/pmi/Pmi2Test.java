package io.sifkube.pmi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** PMI-2 as MPICH 4.2's client speaks it with MPIR_CVAR_PMI_VERSION=2 (mpi-pmi.md §2). */
class Pmi2Test {

  /** A rank's connection: the PMI-2 replies it was sent, unframed. */
  static final class Rank extends PmiJobTest.Rank {
    List<String> bodies() throws Exception {
      List<String> out = new java.util.ArrayList<>();
      var in = new ByteArrayInputStream(String.join("", got).getBytes(StandardCharsets.US_ASCII));
      String b;
      while ((b = Pmi2Wire.read(in)) != null) {
        out.add(b);
      }
      return out;
    }
  }

  @Test
  void framingAndEscapingAreMpichs() throws Exception {
    String framed = Pmi2Wire.frame(Pmi2Wire.command("kvs-put", "key", "a;b", "value", "x y"));
    assertThat(framed).isEqualTo("31    cmd=kvs-put;key=a;;b;value=x y;");
    String body =
        Pmi2Wire.read(new ByteArrayInputStream(framed.getBytes(StandardCharsets.US_ASCII)));
    assertThat(Pmi2Wire.parse(body))
        .containsExactly(
            Map.entry("cmd", "kvs-put"), Map.entry("key", "a;b"), Map.entry("value", "x y"));
    assertThatThrownBy(() -> Pmi2Wire.read(new ByteArrayInputStream("abcdefcmd=x;".getBytes())))
        .hasMessage("a PMI-2 client sent a bad length field 'abcdef'");
    assertThatThrownBy(() -> Pmi2Wire.read(new ByteArrayInputStream("99999 x".getBytes())))
        .hasMessage("a PMI-2 client sent a command of length 99999");
  }

  @Test
  void initFullinitFenceGetAndNodeAttributesOfTwoNodes() throws Exception {
    // ranks 0, 1 on node 0; rank 2 on node 1
    PmiJob job = new PmiJob("sifrun-y", 3, "(vector,(0,1,2),(1,1,1))", () -> 0);
    Rank[] r = {new Rank(), new Rank(), new Rank()};
    for (int i = 0; i < 3; i++) {
      assertThat(job.handle(r[i], "cmd=init pmi_version=2 pmi_subversion=0")).isTrue();
      assertThat(r[i].got)
          .containsExactly("cmd=response_to_init pmi_version=2 pmi_subversion=0 rc=0");
      r[i].got.clear();
      job.handle2(r[i], "cmd=fullinit;pmijobid=;pmirank=" + i + ";threaded=FALSE;");
      assertThat(r[i].bodies())
          .containsExactly(
              "cmd=fullinit-response;rc=0;pmi-version=2;pmi-subversion=0;rank="
                  + i
                  + ";size=3;appnum=0;debugged=FALSE;pmiverbose=FALSE;");
      r[i].got.clear();
    }
    job.handle2(r[0], "cmd=info-getjobattr;key=PMI_process_mapping;");
    assertThat(r[0].bodies())
        .containsExactly(
            "cmd=info-getjobattr-response;rc=0;found=TRUE;value=(vector,(0,1,2),(1,1,1));");
    // a node attribute is the node's own: rank 1 waits for rank 0's, rank 2 sees none
    job.handle2(r[1], "cmd=info-getnodeattr;key=shm;wait=TRUE;");
    assertThat(r[1].got).isEmpty();
    job.handle2(r[0], "cmd=info-putnodeattr;key=shm;value=/dev/shm/x;");
    assertThat(r[1].bodies())
        .containsExactly("cmd=info-getnodeattr-response;rc=0;found=TRUE;value=/dev/shm/x;");
    job.handle2(r[2], "cmd=info-getnodeattr;key=shm;wait=FALSE;");
    assertThat(r[2].bodies()).containsExactly("cmd=info-getnodeattr-response;rc=0;found=FALSE;");
    // business cards: put, fence over all three, get
    for (int i = 0; i < 3; i++) {
      r[i].got.clear();
      job.handle2(r[i], "cmd=kvs-put;key=card-" + i + ";value=addr" + i + ";");
      job.handle2(r[i], "cmd=kvs-fence;");
    }
    for (int i = 0; i < 3; i++) {
      assertThat(r[i].bodies())
          .containsExactly("cmd=kvs-put-response;rc=0;", "cmd=kvs-fence-response;rc=0;");
    }
    r[2].got.clear();
    job.handle2(r[2], "cmd=kvs-get;jobid=sifrun-y;srcid=0;key=card-0;");
    job.handle2(r[2], "cmd=kvs-get;jobid=sifrun-y;srcid=0;key=nothing;");
    assertThat(r[2].bodies())
        .containsExactly(
            "cmd=kvs-get-response;rc=0;found=TRUE;value=addr0;",
            "cmd=kvs-get-response;rc=0;found=FALSE;");
    for (int i = 0; i < 3; i++) {
      job.handle2(r[i], "cmd=finalize;");
      job.closed(r[i]);
      assertThat(job.finalized(i)).isTrue();
    }
  }

  @Test
  void aClientThatSkipsFullinitOrAbortsFailsTheJob() throws Exception {
    PmiJob job = new PmiJob("sifrun-z", 2, ProcessMapping.block(List.of(2)), () -> 0);
    Rank a = new Rank();
    job.handle(a, "cmd=init pmi_version=2 pmi_subversion=0");
    assertThatThrownBy(() -> job.handle2(a, "cmd=kvs-fence;"))
        .hasMessageStartingWith("a PMI-2 client sent 'kvs-fence' before fullinit");
    job.handle2(a, "cmd=fullinit;pmirank=1;");
    Rank b = new Rank();
    job.handle(b, "cmd=init pmi_version=2 pmi_subversion=0");
    assertThatThrownBy(() -> job.handle2(b, "cmd=fullinit;pmirank=1;"))
        .hasMessage("rank 1 connected to the PMI server twice");
    assertThatThrownBy(() -> job.handle2(a, "cmd=abort;isworld=TRUE;msg=bad input;"))
        .hasMessage("rank 1 aborted the job (MPI_Abort: bad input)");
  }
}
