package io.sifkube.siflet.server;

import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.sifkube.node.v1.grpc.MutualTls;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * Authorises the TLS listener's callers: their certificate (which TLS has already checked against
 * the CA) must carry a name in {@code allowed-clients}, as a subject alternative name or its common
 * name; otherwise the call ends with PERMISSION_DENIED and a log line naming the peer, once per
 * peer and certificate. Without this, any certificate the CA signed — another node's siflet, a
 * DaemonSet's — could create privileged containers on every node.
 */
final class AllowedClients implements ServerInterceptor {

  private final Set<String> allowed;
  private final boolean anyone;
  private final Consumer<String> log;
  private final Set<String> reported = ConcurrentHashMap.newKeySet();

  AllowedClients(List<String> allowed, Consumer<String> log) {
    this.allowed = Set.copyOf(allowed);
    this.anyone = allowed.contains("*");
    this.log = log;
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    if (anyone) {
      return next.startCall(call, headers);
    }
    SSLSession session = call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION);
    List<String> names = List.of();
    String subject = "no certificate";
    try {
      if (session != null) {
        Certificate[] peer = session.getPeerCertificates();
        if (peer.length > 0 && peer[0] instanceof X509Certificate c) {
          names = MutualTls.names(c);
          subject = c.getSubjectX500Principal().getName();
        }
      }
    } catch (SSLPeerUnverifiedException e) {
      // no verified client: refused below
    }
    if (names.stream().anyMatch(allowed::contains)) {
      return next.startCall(call, headers);
    }
    String peer = String.valueOf(call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR));
    if (reported.add(peer.replaceFirst(":[0-9]+$", "") + " " + subject)) {
      log.accept(
          "refused "
              + call.getMethodDescriptor().getFullMethodName()
              + " from "
              + peer
              + " ("
              + subject
              + ", names "
              + names
              + "): not in allowed-clients "
              + allowed);
    }
    call.close(
        Status.PERMISSION_DENIED.withDescription(
            "client " + names + " is not allowed to call this siflet (allowed-clients)"),
        new Metadata());
    return new ServerCall.Listener<>() {};
  }
}
