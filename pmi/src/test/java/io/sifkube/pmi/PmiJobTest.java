package io.sifkube.pmi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The job against the requests MPICH 4.0.2's MPI_Init and MPI_Finalize send (mpi-pmi.md §1.4). */
class PmiJobTest {

  /** A rank's connection: what it was sent, line by line. */
  static class Rank implements PmiJob.Peer {
    final List<String> got = new ArrayList<>();

    @Override
    public void send(String lines) {
      for (String l : lines.split("\n")) {
        got.add(l);
      }
    }

    String last() {
      return got.get(got.size() - 1);
    }
  }

  private final AtomicLong now = new AtomicLong();
  private PmiJob job;
  private Rank r0;
  private Rank r1;

  @BeforeEach
  void twoRanks() {
    job = new PmiJob("sifrun-x", 2, "(vector,(0,1,2))", now::get);
    r0 = new Rank();
    r1 = new Rank();
  }

  @Test
  void mpiInitAndFinalizeOfTwoRanks() throws Exception {
    for (Rank r : List.of(r0, r1)) {
      int id = r == r0 ? 0 : 1;
      job.handle(r, "cmd=initack pmiid=" + id);
      assertThat(r.got)
          .containsExactly(
              "cmd=initack", "cmd=set size=2", "cmd=set rank=" + id, "cmd=set debug=0");
      job.handle(r, "cmd=init pmi_version=1 pmi_subversion=1");
      assertThat(r.last()).isEqualTo("cmd=response_to_init pmi_version=1 pmi_subversion=1 rc=0");
      job.handle(r, "cmd=get_maxes");
      assertThat(r.last()).isEqualTo("cmd=maxes kvsname_max=256 keylen_max=64 vallen_max=1024");
      job.handle(r, "cmd=get_appnum");
      assertThat(r.last()).isEqualTo("cmd=appnum appnum=0");
      job.handle(r, "cmd=get_my_kvsname");
      assertThat(r.last()).isEqualTo("cmd=my_kvsname kvsname=sifrun-x");
      job.handle(r, "cmd=get kvsname=sifrun-x key=PMI_process_mapping");
      assertThat(r.last()).isEqualTo("cmd=get_result rc=0 msg=success value=(vector,(0,1,2))");
    }
    // the node's shared-memory bcast: the root puts, all meet, the other gets
    job.handle(r0, "cmd=put kvsname=sifrun-x key=-bcast-1-0 value=2F6465762F73686D");
    assertThat(r0.last()).isEqualTo("cmd=put_result rc=0 msg=success");
    job.handle(r0, "cmd=barrier_in");
    assertThat(r0.last()).isEqualTo("cmd=put_result rc=0 msg=success"); // still waiting
    job.handle(r1, "cmd=barrier_in");
    assertThat(r0.last()).isEqualTo("cmd=barrier_out");
    assertThat(r1.last()).isEqualTo("cmd=barrier_out");
    job.handle(r1, "cmd=get kvsname=sifrun-x key=-bcast-1-0");
    assertThat(r1.last()).isEqualTo("cmd=get_result rc=0 msg=success value=2F6465762F73686D");
    job.handle(r1, "cmd=get kvsname=sifrun-x key=-allgather-shm-1-0");
    assertThat(r1.last())
        .isEqualTo("cmd=get_result rc=-1 msg=key_-allgather-shm-1-0_not_found value=unknown");
    for (Rank r : List.of(r0, r1)) {
      assertThat(job.finalized(r == r0 ? 0 : 1)).isFalse();
      job.handle(r, "cmd=finalize");
      assertThat(r.last()).isEqualTo("cmd=finalize_ack");
      job.closed(r); // a finalized rank may go
    }
    assertThat(job.finalized(0)).isTrue();
    assertThat(job.contacted(1)).isTrue();
  }

  @Test
  void refusesWhatNoRankOfThisJobCouldSend() throws Exception {
    assertThatThrownBy(() -> job.handle(r0, "cmd=init pmi_version=1 pmi_subversion=1"))
        .hasMessageContaining("before identifying itself (initack)");
    assertThatThrownBy(() -> job.handle(r0, "cmd=initack pmiid=2"))
        .hasMessageContaining("claims rank 2 of a job of 2");
    assertThatThrownBy(() -> job.handle(r0, "cmd=initack pmiid=x"))
        .hasMessageContaining("pmiid=x, not a rank number");
    job.handle(r0, "cmd=initack pmiid=0");
    assertThatThrownBy(() -> job.handle(r1, "cmd=initack pmiid=0"))
        .hasMessageContaining("rank 0 connected to the PMI server twice");
    assertThatThrownBy(() -> job.handle(r0, "cmd=spawn nprocs=2"))
        .hasMessageContaining("rank 0 sent an unknown PMI command: cmd=spawn nprocs=2");
    assertThatThrownBy(() -> job.handle(r0, "cmd=put novalue"))
        .hasMessageContaining("malformed PMI line");
  }

  @Test
  void pmi2IsRefusedSayingSo() throws Exception {
    job.handle(r0, "cmd=initack pmiid=0");
    assertThatThrownBy(() -> job.handle(r0, "cmd=init pmi_version=2 pmi_subversion=0"))
        .hasMessageContaining("PMI version 2; this server speaks PMI-1 only");
    assertThat(r0.last()).endsWith("rc=-1"); // the client learns it too
  }

  @Test
  void abortFailsTheJobNamingTheRank() throws Exception {
    job.handle(r1, "cmd=initack pmiid=1");
    assertThatThrownBy(() -> job.handle(r1, "cmd=abort exitcode=7"))
        .isInstanceOf(PmiException.class)
        .hasMessage("rank 1 aborted the job (MPI_Abort, exit code 7)");
  }

  @Test
  void aRankGoneBeforeFinalizeFailsTheJob() throws Exception {
    job.handle(r0, "cmd=initack pmiid=0");
    assertThatThrownBy(() -> job.closed(r0))
        .hasMessage("rank 0 closed its PMI connection before MPI_Finalize");
    job.closed(r1); // never identified itself: nothing to say about it
  }

  @Test
  void putsCheckTheKvsAndTheLimits() throws Exception {
    job.handle(r0, "cmd=initack pmiid=0");
    job.handle(r0, "cmd=put kvsname=other key=a value=b");
    assertThat(r0.last()).isEqualTo("cmd=put_result rc=-1 msg=unknown_kvsname");
    job.handle(r0, "cmd=put kvsname=sifrun-x key=" + "k".repeat(65) + " value=b");
    assertThat(r0.last()).isEqualTo("cmd=put_result rc=-1 msg=key_or_value_too_long");
    job.handle(r0, "cmd=lookup_name service=s");
    assertThat(r0.last()).isEqualTo("cmd=lookup_result rc=1 msg=name_service_not_supported");
  }

  @Test
  void aBarrierWaitingTooLongNamesTheMissingRanks() throws Exception {
    PmiJob four = new PmiJob("j", 4, "(vector,(0,1,4))", now::get);
    Rank a = new Rank();
    Rank c = new Rank();
    four.handle(a, "cmd=initack pmiid=0");
    four.handle(c, "cmd=initack pmiid=2");
    assertThat(four.overdue(1_000)).isEmpty(); // no barrier yet
    four.handle(a, "cmd=barrier_in");
    four.handle(c, "cmd=barrier_in");
    now.addAndGet(999);
    assertThat(four.overdue(1_000)).isEmpty();
    now.addAndGet(1);
    assertThat(four.overdue(1_000)).containsExactly(1, 3);
  }
}
