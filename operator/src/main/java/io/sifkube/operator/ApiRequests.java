package io.sifkube.operator;

import io.fabric8.kubernetes.api.model.Status;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.http.HttpClient;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.HttpResponse;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * One request to the API server as the client's own HTTP client sends it (its authentication, TLS
 * and retries) and within the client's request timeout, without fabric8's resource operations
 * around it. Those copy the resource through JSON before a write and decode the server's answer
 * into a new object after it; the operator's writes per run (status patches, events) need neither,
 * and the two were a tenth of its CPU per run (JFR, 2026-12-06 and 2026-12-07).
 */
public final class ApiRequests {

  private ApiRequests() {}

  /**
   * The URL of {@code segments} under the client's API server, each segment as given (names of
   * Kubernetes objects need no escaping). Joined here rather than by fabric8's {@code
   * URLUtils.join}, which parses a URI and runs a regular expression for each: 3 % of the
   * operator's CPU in a burst on C1 (JFR, 2026-12-08).
   */
  public static String url(KubernetesClient client, List<String> segments) {
    return join(client.getConfiguration().getMasterUrl(), segments);
  }

  /** {@code base}, then each segment after one slash. */
  static String join(String base, List<String> segments) {
    int end = base.length();
    while (end > 0 && base.charAt(end - 1) == '/') {
      end--;
    }
    StringBuilder b = new StringBuilder(end + 16 * segments.size()).append(base, 0, end);
    for (String s : segments) {
      b.append('/').append(s);
    }
    return b.toString();
  }

  /**
   * Sends {@code body} ({@code contentType}) with {@code method} to {@code url}, within the
   * client's request timeout, and returns the answer's body.
   *
   * @param what what the request does, for the error ("patching the status of sifruns a/b")
   * @throws KubernetesClientException with the server's status when it refuses the request
   */
  public static String send(
      KubernetesClient client,
      String method,
      String url,
      String contentType,
      String body,
      String what) {
    HttpClient http = client.getHttpClient();
    HttpRequest.Builder b = http.newHttpRequestBuilder().uri(url).method(method, contentType, body);
    // fabric8's operations bound each request by the config's requestTimeout; a bare request has
    // no bound, and one the server never answers would hold its thread (the events' only one).
    int timeout = client.getConfiguration().getRequestTimeout();
    if (timeout > 0) {
      b.timeout(timeout, TimeUnit.MILLISECONDS);
    }
    HttpRequest req = b.build();
    HttpResponse<String> r;
    try {
      r = http.sendAsync(req, String.class).get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw KubernetesClientException.launderThrowable(e);
    } catch (ExecutionException e) {
      throw KubernetesClientException.launderThrowable(e.getCause());
    }
    if (!r.isSuccessful()) {
      Status status = null;
      try {
        status = client.getKubernetesSerialization().unmarshal(r.body(), Status.class);
      } catch (RuntimeException notStatus) {
        // not a Status (a proxy's page): its text is the message
      }
      if (status == null || status.getMessage() == null) { // an empty body decodes as null
        status = new StatusBuilder().withCode(r.code()).withMessage(r.body()).build();
      }
      throw new KubernetesClientException(
          what + ": " + r.code() + " " + status.getMessage(), r.code(), status);
    }
    return r.body();
  }
}
