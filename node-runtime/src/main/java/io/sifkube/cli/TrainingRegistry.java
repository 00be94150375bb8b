package io.sifkube.cli;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.sifkube.image.oci.Digest;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.Map;

/**
 * A registry in memory, on loopback, for {@link CdsTraining} only: it takes a push and serves the
 * pull of it, so that the start-up archive holds the classes of the JDK's HTTP client and of the
 * registry code (measured: a push of the Debian image from 1.13 to 1.01 s, most of it class
 * loading). It checks nothing; it is never used to move real images.
 */
final class TrainingRegistry implements AutoCloseable {

  private final HttpServer server;
  private final Map<String, byte[]> stored = new HashMap<>();
  private final Map<String, String> types = new HashMap<>();

  TrainingRegistry() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/v2/", this::handle);
    server.start();
  }

  /** {@code 127.0.0.1:PORT}. */
  String host() {
    return "127.0.0.1:" + server.getAddress().getPort();
  }

  private void handle(HttpExchange x) throws IOException {
    try (x) {
      String path = x.getRequestURI().getPath();
      String query = x.getRequestURI().getQuery();
      byte[] body = x.getRequestBody().readAllBytes();
      String method = x.getRequestMethod();
      if (method.equals("POST") && path.endsWith("/blobs/uploads/")) {
        x.getResponseHeaders().set("Location", path + "u");
        x.sendResponseHeaders(202, -1);
      } else if (method.equals("PUT") && path.contains("/blobs/uploads/")) {
        String digest = query.substring(query.indexOf("digest=") + 7);
        stored.put("blobs/" + digest, body);
        x.getResponseHeaders().set("Docker-Content-Digest", digest);
        x.sendResponseHeaders(201, -1);
      } else if (method.equals("PUT") && path.contains("/manifests/")) {
        String key = "manifests/" + path.substring(path.lastIndexOf('/') + 1);
        stored.put(key, body);
        types.put(key, x.getRequestHeaders().getFirst("Content-Type"));
        x.getResponseHeaders().set("Docker-Content-Digest", Digest.sha256(body).toString());
        x.sendResponseHeaders(201, -1);
      } else {
        String key = path.substring(path.indexOf('/', "/v2/".length()) + 1);
        byte[] content = path.equals("/v2/") ? new byte[0] : stored.get(key);
        if (content == null) {
          x.sendResponseHeaders(404, -1);
          return;
        }
        if (types.containsKey(key)) {
          x.getResponseHeaders().set("Content-Type", types.get(key));
        }
        x.getResponseHeaders().set("Docker-Content-Digest", Digest.sha256(content).toString());
        boolean head = method.equals("HEAD");
        x.sendResponseHeaders(200, head ? -1 : content.length == 0 ? -1 : content.length);
        if (!head) {
          x.getResponseBody().write(content);
        }
      }
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
