package io.sifkube.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.sifkube.api.v1alpha1.SifNode;
import io.sifkube.api.v1alpha1.SifRun;
import io.sifkube.api.v1alpha1.SifRunStatus.Phase;
import io.sifkube.api.v1alpha1.SifRunStatus.Rank;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * Parallel SifRuns on the real control plane with two siflets and crun: ranks placed all at once or
 * not at all, told their index, size, host name and hostfile, failing and retrying as one, and
 * stopped as one.
 *
 * <p>Each rank asks for half a node's cpu, so that the two nodes hold four ranks.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class GangRunIT {

  @TempDir static Path dir;
  private static OperatorHarness h;

  /** Half a node's cpu, in millicores: two ranks fill a node. */
  private static String half;

  @BeforeAll
  static void setUp() throws Exception {
    h = OperatorHarness.up(dir);
    try (KubernetesClient k = h.cluster.client("admin")) {
      SifNode n = k.resources(SifNode.class).withName("node-a").get();
      double cpus = Quantity.getAmountInBytes(n.getStatus().allocatable.get("cpu")).doubleValue();
      half = (long) (cpus * 500) + "m";
    }
  }

  @AfterAll
  static void tearDown() throws Exception {
    if (h != null) {
      h.close();
    }
  }

  private static String ranks(int n, String args) {
    return "  source: "
        + h.source
        + "\n  parallelism: "
        + n
        + "\n  resources: {cpu: '"
        + half
        + "'}\n  args: ['"
        + args
        + "']\n";
  }

  /** The two-rank, one-per-node run waits for a second node, holding nothing on node-a. */
  private static void assertWaitsForASecondNode(SifRun r, String uid, String nothingOnA) {
    assertThat(r.getStatus().message).contains("gang of 2 ranks").contains("at most 1 per node");
    assertThat(OperatorHarness.containersOf(h.nodeA, uid)).as(nothingOnA).isZero();
  }

  /** Waits until the siflet of {@code node} renews its Lease (every 2 s here). */
  private static void awaitLeaseRenewal(String node) throws Exception {
    try (KubernetesClient k = h.cluster.client("admin")) {
      var lease = k.leases().inNamespace("sifkube-system").withName("sifnode-" + node);
      var before = lease.get().getSpec().getRenewTime();
      h.await(
          node + "'s Lease renewed", () -> !before.equals(lease.get().getSpec().getRenewTime()));
    }
  }

  private static long onNode(SifRun r, String node) {
    return r.getStatus().ranks.stream().filter(k -> node.equals(k.node)).count();
  }

  @Test
  @Order(1)
  void aGangThatDoesNotFitPlacesNothingAndStartsWhenRoomIsFreed() throws Exception {
    h.apply(
        "blocker",
        "  source: " + h.source + "\n  args: ['sleep 600']\n  resources: {cpu: '" + half + "'}\n");
    h.awaitRun("blocker", x -> x.getStatus().phase == Phase.Running, "Running");
    SifRun created =
        h.apply(
            "gang",
            ranks(
                4,
                "echo rank $SIFKUBE_RANK of $SIFKUBE_SIZE on $(hostname); cat $SIFKUBE_HOSTFILE;"
                    + " sleep 1"));
    String uid = created.getMetadata().getUid();
    SifRun waiting = h.awaitUnscheduled("gang");
    assertThat(waiting.getStatus().reason).isEqualTo("Unschedulable");
    assertThat(waiting.getStatus().message)
        .startsWith("gang of 4 ranks: the Ready SifNodes have room for 3 (")
        .contains("each rank needs cpu " + half);
    assertThat(waiting.getStatus().ranks).as("nothing placed").isNull();
    Thread.sleep(2000); // a partial placement would show by now
    assertThat(h.containersOf(uid)).as("no rank holds a node").isZero();

    h.delete("blocker");
    SifRun done = h.awaitRun("gang", x -> x.getStatus().phase == Phase.Succeeded, "Succeeded");
    List<Rank> ranks = done.getStatus().ranks;
    assertThat(ranks).extracting(k -> k.rank).containsExactly(0, 1, 2, 3);
    assertThat(ranks).allMatch(k -> k.phase == Phase.Succeeded && k.exitCode == 0);
    assertThat(onNode(done, "node-a")).isEqualTo(2);
    assertThat(onNode(done, "node-b")).isEqualTo(2);
    assertThat(done.getStatus().readyRanks).isEqualTo("0/4");
    assertThat(done.getStatus().attempts).isEqualTo(1);
    assertThat(done.getStatus().outputTail)
        .as("rank 0's output")
        .isEqualTo("rank 0 of 4 on gang-0\n127.0.0.1\n127.0.0.1\n127.0.0.1\n127.0.0.1\n");
    assertThat(h.containersOf(uid)).isZero();
  }

  @Test
  @Order(2)
  void twoCompetingGangsNeverBothHoldPartialPlacements() throws Exception {
    // Each needs three of the four slots: one runs, the other holds nothing until it ends.
    String both =
        "apiVersion: sifkube.io/v1alpha1\nkind: SifRun\nmetadata: {name: left}\nspec:\n"
            + ranks(3, "sleep 3")
            + "---\napiVersion: sifkube.io/v1alpha1\nkind: SifRun\nmetadata: {name: right}\n"
            + "spec:\n"
            + ranks(3, "sleep 3");
    h.cluster.kubectlStdin(both, "apply").ok();
    SifRun first =
        h.awaitRun(
            "left",
            x ->
                x.getStatus().phase == Phase.Running
                    || "Unschedulable".equals(x.getStatus().reason),
            "Running or Unschedulable");
    String runningName = first.getStatus().phase == Phase.Running ? "left" : "right";
    String waitingName = runningName.equals("left") ? "right" : "left";
    SifRun running = h.awaitRun(runningName, x -> x.getStatus().phase == Phase.Running, "Running");
    SifRun waiting = h.awaitUnscheduled(waitingName);
    assertThat(running.getStatus().readyRanks).isEqualTo("3/3");
    assertThat(waiting.getStatus().message).contains("room for 1");
    assertThat(h.containersOf(waiting.getMetadata().getUid())).isZero();
    h.awaitRun(runningName, x -> x.getStatus().phase == Phase.Succeeded, "Succeeded");
    SifRun second =
        h.awaitRun(waitingName, x -> x.getStatus().phase == Phase.Succeeded, "Succeeded");
    assertThat(second.getStatus().attempts).isEqualTo(1);
    h.delete("left");
    h.delete("right");
  }

  @Test
  @Order(3)
  void aRankExitingNonZeroStopsTheOthersAndTheWholeGangRetries() throws Exception {
    SifRun created =
        h.apply(
            "failing",
            ranks(2, "if [ $SIFKUBE_RANK = 1 ]; then sleep 1; exit 3; fi; sleep 600")
                + "  backoffLimit: 1\n");
    SifRun r = h.awaitRun("failing", x -> x.getStatus().phase == Phase.Failed, "Failed");
    assertThat(r.getStatus().reason).isEqualTo("BackoffLimitExceeded");
    assertThat(r.getStatus().message).startsWith("rank 1 exited with 3 on node-");
    assertThat(r.getStatus().attempts).as("the whole gang ran again").isEqualTo(2);
    assertThat(r.getStatus().failures).isEqualTo(2);
    assertThat(r.getStatus().exitCode).isEqualTo(3);
    assertThat(r.getStatus().ranks.get(1).exitCode).isEqualTo(3);
    assertThat(r.getStatus().ranks.get(0).phase)
        .as("stopped with its gang")
        .isEqualTo(Phase.Failed);
    assertThat(h.containersOf(created.getMetadata().getUid())).as("rank 0 was stopped").isZero();
    h.delete("failing");
  }

  @Test
  @Order(4)
  void suspendStopsEveryRankAndResumingStartsThemAll() throws Exception {
    SifRun created = h.apply("paused", ranks(3, "sleep 600"));
    String uid = created.getMetadata().getUid();
    h.awaitRun("paused", x -> "3/3".equals(x.getStatus().readyRanks), "3/3 ranks running");
    assertThat(h.containersOf(uid)).isEqualTo(3);
    h.patchSpec("paused", "{\"spec\":{\"suspend\":true}}");
    SifRun s =
        h.awaitRun(
            "paused",
            x -> x.getStatus().phase == Phase.Pending && "Suspended".equals(x.getStatus().reason),
            "Suspended");
    assertThat(s.getStatus().ranks).isNull();
    assertThat(h.containersOf(uid)).isZero();
    h.patchSpec("paused", "{\"spec\":{\"suspend\":false}}");
    h.awaitRun(
        "paused",
        x -> "3/3".equals(x.getStatus().readyRanks) && x.getStatus().attempts == 2,
        "running again");
    h.delete("paused");
    assertThat(h.containersOf(uid)).as("deleting the run stops every rank").isZero();
  }

  @Test
  @Order(5)
  void aGangThatIsNotAGangIsRefusedNamingTheField() throws Exception {
    h.apply("loose", ranks(2, "true") + "  gang: false\n");
    SifRun r = h.awaitRun("loose", x -> x.getStatus().phase == Phase.Failed, "Failed");
    assertThat(r.getStatus().reason).isEqualTo("InvalidSpec");
    assertThat(r.getStatus().message).startsWith("spec.gang: false is not supported yet");
    h.delete("loose");
  }

  @Test
  @Order(6)
  void aGangThatCannotBePlacedInTimeFailsCleanly() throws Exception {
    // five ranks of half a node each: the two nodes hold four
    SifRun created = h.apply("toolarge", ranks(5, "true") + "  gangTimeoutSeconds: 3\n");
    SifRun r = h.awaitRun("toolarge", x -> x.getStatus().phase == Phase.Failed, "Failed");
    assertThat(r.getStatus().reason).isEqualTo("GangTimeout");
    assertThat(r.getStatus().message)
        .startsWith("its ranks could not all be placed within gangTimeoutSeconds (3): gang of 5")
        .contains("room for 4");
    assertThat(r.getStatus().ranks).isNull();
    assertThat(h.containersOf(created.getMetadata().getUid())).isZero();
    h.delete("toolarge");
  }

  @Test
  @Order(7)
  void theDeadlineStopsEveryRank() throws Exception {
    SifRun created = h.apply("overdue", ranks(3, "sleep 600") + "  activeDeadlineSeconds: 3\n");
    SifRun r = h.awaitRun("overdue", x -> x.getStatus().phase == Phase.Failed, "Failed");
    assertThat(r.getStatus().reason).isEqualTo("DeadlineExceeded");
    assertThat(r.getStatus().readyRanks).isEqualTo("0/3");
    assertThat(h.containersOf(created.getMetadata().getUid())).isZero();
    h.delete("overdue");
  }

  @Test
  @Order(10)
  void aLostNodeFailsTheAttemptAndTheGangIsPlacedAgainWhenItCanBe() throws Exception {
    SifRun created = h.apply("spread", ranks(2, "sleep 600") + "  ranksPerNode: 1\n");
    String uid = created.getMetadata().getUid();
    SifRun r = h.awaitRun("spread", x -> "2/2".equals(x.getStatus().readyRanks), "2/2 running");
    assertThat(onNode(r, "node-a")).isEqualTo(1);
    h.nodeB.kill9();
    SifRun lost =
        h.awaitRun(
            "spread",
            x -> x.getStatus().failures != null && "Unschedulable".equals(x.getStatus().reason),
            "its attempt failed and it waits");
    assertWaitsForASecondNode(lost, uid, "the rank on the surviving node was stopped");
    h.nodeB.start();
    SifRun again =
        h.awaitRun(
            "spread",
            x -> "2/2".equals(x.getStatus().readyRanks) && x.getStatus().attempts == 2,
            "running again on both nodes");
    assertThat(again.getStatus().failures).isEqualTo(1);
    h.await(
        "the lost attempt's rank removed from the returned node",
        () -> OperatorHarness.containersOf(h.nodeB, uid) == 1);
    h.delete("spread");
  }

  /**
   * A node that dies after the gang was placed on it but before any rank started: the operator
   * placed the ranks from its cache while the SifNode still looked Ready, and its siflet no longer
   * answers. Nothing of the attempt runs, so there is nothing to keep for the node's return: the
   * attempt is given up as soon as the SifNode is NotReady, without the grace a running attempt
   * gets, and no rank is ever created on the node that stayed.
   */
  @Test
  @Order(11)
  void aNodeLostBetweenPlacementAndStartGivesTheAttemptUpWithoutTheGrace() throws Exception {
    // Killed right after a renewal of its Lease, so that the whole Lease (8 s) passes before
    // node-b counts as NotReady: time for the operator to place the gang on it.
    awaitLeaseRenewal("node-b");
    h.nodeB.kill9();
    long killed = System.nanoTime();
    SifRun created = h.apply("early", ranks(2, "sleep 600") + "  ranksPerNode: 1\n");
    String uid = created.getMetadata().getUid();
    SifRun placed =
        h.awaitRun("early", x -> x.getStatus().ranks != null, "placed while node-b looks Ready");
    assertThat(placed.getStatus().ranks).extracting(k -> k.node).contains("node-a", "node-b");
    SifRun lost =
        h.awaitRun(
            "early",
            x -> x.getStatus().failures != null && x.getStatus().failures == 1,
            "its attempt given up");
    long givenUpAfter = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - killed);
    assertThat(givenUpAfter)
        .as(
            "seconds from the kill until the attempt was given up (Lease 8 s, grace %d s)",
            OperatorHarness.NODE_LOST_GRACE_SECONDS)
        .isLessThan(OperatorHarness.NODE_LOST_GRACE_SECONDS);
    assertThat(lost.getStatus().attempts).as("no attempt was launched").isNull();
    // (events are sent from their own queue, after the status)
    h.await(
        "a Pending event naming node-b, the attempt not started",
        () ->
            h.cluster.eventsOf("early").stream()
                .anyMatch(
                    e ->
                        e.startsWith("Pending: SifNode node-b is not Ready")
                            && e.endsWith(", before the attempt started; retrying")));
    SifRun waiting =
        h.awaitRun(
            "early", x -> "Unschedulable".equals(x.getStatus().reason), "waiting for a node");
    assertThat(waiting.getStatus().failures).isEqualTo(1);
    assertWaitsForASecondNode(waiting, uid, "no rank was created on the node that stayed");

    h.nodeB.start();
    SifRun running =
        h.awaitRun(
            "early", x -> "2/2".equals(x.getStatus().readyRanks), "running once node-b is back");
    assertThat(running.getStatus().attempts).as("the first attempt that started").isEqualTo(1);
    assertThat(running.getStatus().failures).isEqualTo(1);
    assertThat(h.containersOf(uid)).isEqualTo(2);
    h.delete("early");
    h.await("both ranks removed", () -> h.containersOf(uid) == 0);
  }
}
