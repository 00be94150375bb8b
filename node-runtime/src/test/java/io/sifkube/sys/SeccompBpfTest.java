package io.sifkube.sys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.sifkube.json.Json;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

/** Against the host's libseccomp (crun's and runc's dependency). */
class SeccompBpfTest {

  private static final int SECCOMP_RET_ALLOW = 0x7fff0000;
  private static final int SECCOMP_RET_ERRNO = 0x00050000;

  private static JsonNode json(String s) throws Exception {
    return Json.read(s);
  }

  /** The k field of each BPF_RET instruction (code 0x06): the actions the program can return. */
  private static java.util.Set<Integer> returns(byte[] bpf) {
    java.util.Set<Integer> out = new java.util.TreeSet<>();
    ByteBuffer b = ByteBuffer.wrap(bpf).order(ByteOrder.nativeOrder());
    while (b.remaining() >= 8) {
      short code = b.getShort();
      b.get();
      b.get();
      int k = b.getInt();
      if ((code & 0x07) == 0x06) {
        out.add(k);
      }
    }
    return out;
  }

  @Test
  void aProfileBecomesAProgramReturningItsActions() throws Exception {
    byte[] bpf =
        SeccompBpf.compile(
            json(
                "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"defaultErrnoRet\":1,"
                    + "\"architectures\":[\"SCMP_ARCH_X86_64\",\"SCMP_ARCH_X86\"],"
                    + "\"syscalls\":[{\"names\":[\"read\",\"write\",\"no_such_call\"],"
                    + "\"action\":\"SCMP_ACT_ALLOW\"},{\"names\":[\"clone3\"],"
                    + "\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":38},{\"names\":[\"clone\"],"
                    + "\"action\":\"SCMP_ACT_ALLOW\",\"args\":[{\"index\":0,\"value\":2114060288,"
                    + "\"valueTwo\":0,\"op\":\"SCMP_CMP_MASKED_EQ\"}]}]}"));
    assertThat(bpf.length % 8).as("whole sock_filter instructions").isZero();
    assertThat(bpf.length).isGreaterThan(8 * 10);
    assertThat(returns(bpf))
        .contains(SECCOMP_RET_ALLOW, SECCOMP_RET_ERRNO | 1, SECCOMP_RET_ERRNO | 38);
    assertThat(SeccompBpf.libraryVersion())
        .hasValueSatisfying(v -> assertThat(v).matches("\\d+\\.\\d+\\.\\d+"));
  }

  @Test
  void theSameProfileGivesTheSameProgram() throws Exception {
    JsonNode p =
        json(
            "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"mkdir\"],"
                + "\"action\":\"SCMP_ACT_ERRNO\"}]}");
    assertThat(SeccompBpf.compile(p)).isEqualTo(SeccompBpf.compile(p));
  }

  @Test
  void anArchitectureLibseccompDoesNotKnowIsRefused() {
    assertThatThrownBy(
            () ->
                SeccompBpf.compile(
                    json(
                        "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"architectures\":"
                            + "[\"SCMP_ARCH_PDP11\"]}")))
        .isInstanceOf(SyscallException.class)
        .hasMessageContaining("SCMP_ARCH_PDP11");
  }
}
