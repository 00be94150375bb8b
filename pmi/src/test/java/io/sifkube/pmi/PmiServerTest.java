package io.sifkube.pmi;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The TCP side, with clients that speak as MPICH's simple PMI client does. */
class PmiServerTest {

  private static final InetSocketAddress LOOPBACK =
      new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);

  /** A client: one request line, then the lines of its answer. */
  static final class Client implements AutoCloseable {
    final Socket s;
    final BufferedReader in;
    final OutputStream out;

    Client(String address) throws Exception {
      String[] hp = address.split(":");
      s = new Socket(hp[0], Integer.parseInt(hp[1]));
      s.setSoTimeout(10_000);
      in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
      out = s.getOutputStream();
    }

    List<String> ask(String line, int answerLines) throws Exception {
      out.write((line + "\n").getBytes(StandardCharsets.US_ASCII));
      out.flush();
      List<String> got = new ArrayList<>();
      for (int i = 0; i < answerLines; i++) {
        got.add(in.readLine());
      }
      return got;
    }

    @Override
    public void close() throws Exception {
      s.close();
    }
  }

  private static PmiServer server(int size, long barrierTimeout, LinkedBlockingQueue<String> fails)
      throws Exception {
    PmiJob job = new PmiJob("job", size, ProcessMapping.block(List.of(size)), System::nanoTime);
    return new PmiServer(job, LOOPBACK, Set.of(), barrierTimeout, fails::add);
  }

  @Test
  void twoRanksMeetInABarrierAndFinalize() throws Exception {
    LinkedBlockingQueue<String> fails = new LinkedBlockingQueue<>();
    try (PmiServer srv = server(2, 0, fails);
        Client a = new Client(srv.address());
        Client b = new Client(srv.address())) {
      assertThat(a.ask("cmd=initack pmiid=0", 4)).contains("cmd=set rank=0", "cmd=set size=2");
      assertThat(b.ask("cmd=initack pmiid=1", 4)).contains("cmd=set rank=1");
      assertThat(a.ask("cmd=put kvsname=job key=card-0 value=abc", 1))
          .containsExactly("cmd=put_result rc=0 msg=success");
      CompletableFuture<List<String>> aOut =
          CompletableFuture.supplyAsync(
              () -> {
                try {
                  return a.ask("cmd=barrier_in", 1);
                } catch (Exception e) {
                  throw new IllegalStateException(e);
                }
              });
      Thread.sleep(100);
      assertThat(aOut).isNotDone(); // one of two ranks in: it waits
      assertThat(b.ask("cmd=barrier_in", 1)).containsExactly("cmd=barrier_out");
      assertThat(aOut.get(5, TimeUnit.SECONDS)).containsExactly("cmd=barrier_out");
      assertThat(b.ask("cmd=get kvsname=job key=card-0", 1))
          .containsExactly("cmd=get_result rc=0 msg=success value=abc");
      assertThat(a.ask("cmd=finalize", 1)).containsExactly("cmd=finalize_ack");
      assertThat(b.ask("cmd=finalize", 1)).containsExactly("cmd=finalize_ack");
    }
    assertThat(fails).isEmpty();
  }

  @Test
  void aRankThatNeverComesFailsTheBarrier() throws Exception {
    LinkedBlockingQueue<String> fails = new LinkedBlockingQueue<>();
    try (PmiServer srv = server(2, 1, fails);
        Client a = new Client(srv.address())) {
      a.ask("cmd=initack pmiid=0", 4);
      a.out.write("cmd=barrier_in\n".getBytes(StandardCharsets.US_ASCII));
      a.out.flush();
      String why = fails.poll(10, TimeUnit.SECONDS);
      assertThat(why).startsWith("PMI barrier: rank(s) [1] did not arrive within 1 s");
      assertThat(srv.failure()).isEqualTo(why);
    }
  }

  @Test
  void anAbortAndADisconnectReportTheFirstFailureOnce() throws Exception {
    LinkedBlockingQueue<String> fails = new LinkedBlockingQueue<>();
    try (PmiServer srv = server(2, 0, fails)) {
      try (Client a = new Client(srv.address());
          Client b = new Client(srv.address())) {
        a.ask("cmd=initack pmiid=0", 4);
        b.ask("cmd=initack pmiid=1", 4);
        b.out.write("cmd=abort exitcode=3\n".getBytes(StandardCharsets.US_ASCII));
        b.out.flush();
        assertThat(fails.poll(10, TimeUnit.SECONDS))
            .isEqualTo("rank 1 aborted the job (MPI_Abort, exit code 3)");
      } // rank 0 now goes without finalize: the job has failed already, nothing more is said
      Thread.sleep(200);
      assertThat(fails).isEmpty();
    }
  }

  @Test
  void connectionsFromOtherAddressesGetNoAnswer() throws Exception {
    LinkedBlockingQueue<String> fails = new LinkedBlockingQueue<>();
    PmiJob job = new PmiJob("job", 1, ProcessMapping.separate(1), System::nanoTime);
    // only 192.0.2.1 (TEST-NET) may talk: a loopback client is hung up on
    try (PmiServer srv =
            new PmiServer(
                job, LOOPBACK, Set.of(InetAddress.getByName("192.0.2.1")), 0, fails::add);
        Client a = new Client(srv.address())) {
      assertThat(a.ask("cmd=initack pmiid=0", 1)).containsExactly((String) null);
      assertThat(job.contacted(0)).isFalse();
    }
  }
}
