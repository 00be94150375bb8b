package io.sifkube.operator;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.sifkube.api.v1alpha1.SifImage;
import io.sifkube.api.v1alpha1.SifNode;
import io.sifkube.api.v1alpha1.SifRun;
import io.sifkube.api.v1alpha1.SifRunStatus;
import org.junit.jupiter.api.Test;

class TokenClonerTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final KubernetesSerialization K8S = new KubernetesSerialization();

  /** A run as the API server sends it: managed fields, a finalizer, spec and status. */
  static final String RUN =
      """
      {"apiVersion":"sifkube.io/v1alpha1","kind":"SifRun","metadata":{
        "creationTimestamp":"2026-12-07T17:12:13Z","finalizers":["sifruns.sifkube.io/finalizer"],
        "generation":1,"labels":{"team":"a"},"annotations":{"note":"x"},
        "managedFields":[{"apiVersion":"sifkube.io/v1alpha1","fieldsType":"FieldsV1",
          "fieldsV1":{"f:spec":{".":{},"f:args":{},"f:image":{}}},"manager":"kubectl",
          "operation":"Update","time":"2026-12-07T17:12:13Z"}],
        "name":"job","namespace":"team-a","resourceVersion":"123456","uid":"u-1",
        "someFutureField":{"nested":[1,2.5,"x"]}},
       "spec":{"image":"busybox","args":["true"],"backoffLimit":2,"parallelism":2,
        "resources":{"cpu":"100m","memory":"64Mi"}},
       "status":{"attempts":1,"phase":"Running","node":"node-a","containerID":"sr-1",
        "conditions":[{"type":"Scheduled","status":"True","reason":"Scheduled",
          "lastTransitionTime":"2026-12-07T17:12:13Z","observedGeneration":1}],
        "ranks":[{"rank":0,"node":"node-a","phase":"Running"}]}}
      """;

  static final String NODE =
      """
      {"apiVersion":"sifkube.io/v1alpha1","kind":"SifNode","metadata":{"name":"node-a"},
       "spec":{"address":"127.0.0.1:7000"},
       "status":{"capacity":{"cpu":"2","memory":"24Gi","sifkube.io/gpu":"1"},
        "devices":["nvidia.com/gpu=0"],"conditions":[{"type":"Ready","status":"True"}]}}
      """;

  static final String IMAGE =
      """
      {"apiVersion":"sifkube.io/v1alpha1","kind":"SifImage","metadata":{"name":"busybox",
        "namespace":"team-a","generation":2},
       "spec":{"source":"docker://127.0.0.1:5000/busybox:latest","prePull":{}},
       "status":{"manifestDigest":"sha256:ab","observedGeneration":2,
        "entrypoint":["/bin/sh","-c"],"signers":[{"kind":"pgp","id":"ABCD"}]}}
      """;

  private static JsonNode tree(HasMetadata r) throws Exception {
    return JSON.readTree(K8S.asJson(r));
  }

  @Test
  void aCopyWritesTheSameJsonAsTheOriginalAndAsFabric8sOwnCopy() throws Exception {
    for (var original :
        new HasMetadata[] {
          K8S.unmarshal(RUN, SifRun.class),
          K8S.unmarshal(NODE, SifNode.class),
          K8S.unmarshal(IMAGE, SifImage.class)
        }) {
      HasMetadata copy = new TokenCloner(K8S).clone(original);
      assertThat(copy).isNotSameAs(original).isInstanceOf(original.getClass());
      assertThat(tree(copy)).isEqualTo(tree(original)).isEqualTo(tree(K8S.clone(original)));
      assertThat(copy.getMetadata()).isNotSameAs(original.getMetadata());
    }
  }

  @Test
  void aCopyIsDeepChangingItLeavesTheOriginalAlone() throws Exception {
    SifRun original = K8S.unmarshal(RUN, SifRun.class);
    JsonNode before = tree(original);
    SifRun copy = new TokenCloner(K8S).clone(original);
    copy.getMetadata().getFinalizers().add("other");
    copy.getMetadata().getLabels().put("team", "b");
    copy.getMetadata().getAdditionalProperties().put("someFutureField", "changed");
    copy.getSpec().args.add("more");
    copy.getStatus().phase = SifRunStatus.Phase.Succeeded;
    copy.getStatus().conditions.get(0).setStatus("False");
    copy.getStatus().ranks.get(0).phase = SifRunStatus.Phase.Succeeded;
    assertThat(tree(original)).isEqualTo(before);
  }
}
