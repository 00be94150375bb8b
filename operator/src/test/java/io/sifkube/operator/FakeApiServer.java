package io.sifkube.operator;

import com.sun.net.httpserver.HttpServer;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A stand-in API server for unit tests: answers every request with one code and body, and records
 * each request's method, path, content type and body, in that order.
 */
public final class FakeApiServer implements AutoCloseable {
  private final HttpServer server;
  private final ExecutorService handlers = Executors.newCachedThreadPool();
  public final List<String> seen = new CopyOnWriteArrayList<>();

  /** How long the server waits before it answers. */
  public volatile long delayMillis;

  public FakeApiServer(int code, String answer) throws Exception {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext(
        "/",
        x -> {
          seen.add(x.getRequestMethod());
          seen.add(x.getRequestURI().getPath());
          // the media type (OkHttp adds "; charset=utf-8" to a text body; the API server takes it)
          String type = x.getRequestHeaders().getFirst("Content-Type");
          seen.add(type == null ? null : type.split(";")[0].trim());
          seen.add(new String(x.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
          try {
            Thread.sleep(delayMillis);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          byte[] out = answer.getBytes(StandardCharsets.UTF_8);
          x.getResponseHeaders().add("Content-Type", "application/json");
          x.sendResponseHeaders(code, out.length);
          x.getResponseBody().write(out);
          x.close();
        });
    server.setExecutor(handlers);
    server.start();
  }

  public KubernetesClient client() {
    return client(10_000);
  }

  /** A client of this server with the given request timeout, which retries nothing. */
  public KubernetesClient client(int requestTimeoutMillis) {
    return new KubernetesClientBuilder()
        .withConfig(
            new ConfigBuilder()
                .withMasterUrl("http://127.0.0.1:" + server.getAddress().getPort())
                .withRequestRetryBackoffLimit(0)
                .withRequestTimeout(requestTimeoutMillis)
                .build())
        .build();
  }

  @Override
  public void close() {
    server.stop(0);
    handlers.shutdownNow();
  }
}
