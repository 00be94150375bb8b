package io.sifkube.spec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sifkube.spec.UserNamespace.IdMapping;
import io.sifkube.spec.UserNamespace.SubIdRange;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class UserNamespaceTest {

  private static final Optional<SubIdRange> SUB = Optional.of(new SubIdRange(200000, 65536));

  @Test
  void rootNeedsNoUserNamespaceUnlessFakeroot() {
    assertThat(UserNamespace.plan(0, 0, SUB, SUB, false, false)).isEmpty();
    UserNamespace fake = UserNamespace.plan(0, 0, SUB, SUB, true, true).orElseThrow();
    assertThat(fake.uids()).containsExactly(new IdMapping(0, 0, 65536));
    assertThat(fake.rootless()).isFalse();
    assertThat(fake.fakeroot()).isTrue();
  }

  @Test
  void fakerootMapsRootToTheCallerAndTheSubordinateIdsAfterIt() {
    UserNamespace ns =
        UserNamespace.plan(
                1000, 1001, SUB, Optional.of(new SubIdRange(300000, 100000)), true, false)
            .orElseThrow();
    assertThat(ns.uids())
        .containsExactly(new IdMapping(0, 1000, 1), new IdMapping(1, 200000, 65536));
    assertThat(ns.gids())
        .containsExactly(new IdMapping(0, 1001, 1), new IdMapping(1, 300000, 65536));
    assertThat(ns.rootless()).isTrue();
    assertThat(ns.maps(0, 0)).isTrue();
    assertThat(ns.maps(65536, 65536)).isTrue();
    assertThat(ns.maps(65537, 0)).isFalse();
    assertThat(UserNamespace.fuseSyntax(ns.uids())).isEqualTo("0:1000:1:1:200000:65536");
  }

  @Test
  void fakerootWithoutSubordinateIdsMapsOnlyRoot() {
    UserNamespace ns =
        UserNamespace.plan(1000, 1000, Optional.empty(), Optional.empty(), true, true)
            .orElseThrow();
    assertThat(ns.uids()).containsExactly(new IdMapping(0, 1000, 1));
    assertThat(ns.maps(1, 0)).isFalse();
  }

  @Test
  void anUnprivilegedCallerIsItselfInsideAndRuncCannotDoThat() {
    UserNamespace ns = UserNamespace.plan(1000, 100, SUB, SUB, false, false).orElseThrow();
    assertThat(ns.uids()).containsExactly(new IdMapping(1000, 1000, 1));
    assertThat(ns.gids()).containsExactly(new IdMapping(100, 100, 1));
    assertThat(ns.fakeroot()).isFalse();
    assertThat(ns.maps(0, 0)).isFalse();
    assertThatThrownBy(() -> UserNamespace.plan(1000, 100, SUB, SUB, false, true))
        .hasMessageContaining("runc cannot run an unprivileged container as the caller (uid 1000)")
        .hasMessageContaining("--fakeroot");
  }

  @Test
  void readsTheFirstRangeByNameOrUid() {
    String file = "# comment\nbob:100000:65536\nalice:x:5\n1000:300000:10\nalice:400000:20\n";
    assertThat(UserNamespace.subIds(file, "alice", 1000))
        .contains(new SubIdRange(300000, 10)); // by uid, which comes first
    assertThat(UserNamespace.subIds(file, "bob", 7)).contains(new SubIdRange(100000, 65536));
    assertThat(UserNamespace.subIds(file, "carol", 7)).isEmpty();
    assertThat(UserNamespace.subIds("carol:0:0\n", "carol", 7)).isEmpty();
  }
}
