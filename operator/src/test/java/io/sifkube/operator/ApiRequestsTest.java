package io.sifkube.operator;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.client.utils.URLUtils;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ApiRequestsTest {

  @Test
  void joinsAsFabric8JoinsTheOperatorsPaths() {
    List<List<String>> paths =
        List.of(
            List.of("apis", "sifkube.io", "v1alpha1", "namespaces", "ns", "sifruns", "r", "status"),
            List.of("api", "v1", "namespaces", "default", "events"));
    for (String base :
        List.of("https://127.0.0.1:6443", "https://127.0.0.1:6443/", "https://h/prefix/")) {
      for (List<String> path : paths) {
        List<String> all = new ArrayList<>(path);
        all.add(0, base);
        assertThat(ApiRequests.join(base, path))
            .as(base + " " + path)
            .isEqualTo(URLUtils.join(all.toArray(String[]::new)));
      }
    }
    assertThat(ApiRequests.join("https://h:1//", List.of("api", "v1")))
        .isEqualTo("https://h:1/api/v1");
  }
}
