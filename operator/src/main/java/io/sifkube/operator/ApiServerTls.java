package io.sifkube.operator;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;

/**
 * What the operator offers in TLS to the API server: the ChaCha20-Poly1305 cipher suites first. The
 * operator runs on C1 alone (bin/sifkube-operator), where the JDK has no AES-GCM intrinsic: on 16
 * KiB records AES-GCM encrypts at 40 MB/s and ChaCha20-Poly1305 at 103–139 MB/s here (JDK 17,
 * -XX:TieredStopAtLevel=1), and TLS to the API server was 11 % of the operator's CPU per run (JFR,
 * docs/benchmarks.md). An API server in Go takes ChaCha20 when the client's first choice is not
 * AES. The other suites the socket enables follow, in their order (OkHttp then narrows them to its
 * modern set, keeping the order).
 */
final class ApiServerTls {

  private ApiServerTls() {}

  /** {@code sockets}, with each new socket's enabled suites put in {@link #chachaFirst} order. */
  static SSLSocketFactory socketFactory(SSLSocketFactory sockets) {
    return new ChachaFirst(sockets);
  }

  /** The suites with the ChaCha20-Poly1305 ones first, each group in its given order. */
  static String[] chachaFirst(String[] suites) {
    List<String> first = new ArrayList<>();
    List<String> rest = new ArrayList<>();
    for (String s : suites) {
      (s.contains("CHACHA20") ? first : rest).add(s);
    }
    first.addAll(rest);
    return first.toArray(String[]::new);
  }

  private static final class ChachaFirst extends SSLSocketFactory {
    private final SSLSocketFactory sockets;

    ChachaFirst(SSLSocketFactory sockets) {
      this.sockets = sockets;
    }

    private static Socket ordered(Socket s) {
      if (s instanceof SSLSocket tls) {
        tls.setEnabledCipherSuites(chachaFirst(tls.getEnabledCipherSuites()));
      }
      return s;
    }

    @Override
    public String[] getDefaultCipherSuites() {
      return chachaFirst(sockets.getDefaultCipherSuites());
    }

    @Override
    public String[] getSupportedCipherSuites() {
      return sockets.getSupportedCipherSuites();
    }

    @Override
    public Socket createSocket() throws IOException {
      return ordered(sockets.createSocket());
    }

    @Override
    public Socket createSocket(Socket s, String host, int port, boolean autoClose)
        throws IOException {
      return ordered(sockets.createSocket(s, host, port, autoClose));
    }

    @Override
    public Socket createSocket(Socket s, InputStream consumed, boolean autoClose)
        throws IOException {
      return ordered(sockets.createSocket(s, consumed, autoClose));
    }

    @Override
    public Socket createSocket(String host, int port) throws IOException {
      return ordered(sockets.createSocket(host, port));
    }

    @Override
    public Socket createSocket(String host, int port, InetAddress local, int localPort)
        throws IOException {
      return ordered(sockets.createSocket(host, port, local, localPort));
    }

    @Override
    public Socket createSocket(InetAddress host, int port) throws IOException {
      return ordered(sockets.createSocket(host, port));
    }

    @Override
    public Socket createSocket(InetAddress host, int port, InetAddress local, int localPort)
        throws IOException {
      return ordered(sockets.createSocket(host, port, local, localPort));
    }
  }
}
