package io.sifkube.node.v1.grpc;

import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.netty.handler.ssl.ClientAuth;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslProvider;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.List;
import java.util.function.Consumer;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedKeyManager;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * The mutual TLS the node API is spoken over, for both ends: siflet serves with its certificate and
 * requires a client certificate its CA signed; the operator dials with its own. The CA bundle,
 * certificate chain and PKCS#8 key are PEM files read again whenever they change (checked at most
 * once a second, at a handshake), so a certificate rotated in place — cert-manager renewing a
 * Secret, which kubelet swaps under the pod — takes effect without a restart: new connections use
 * the new files, open ones go on. A rotation caught half-written keeps the old files in use until
 * the next look. The JDK's TLS does the handshakes (it asks the key and trust managers at each
 * one), and its trust manager checks extended key usage: a certificate for serving only cannot act
 * as a client, nor a client's serve.
 */
public final class MutualTls {

  private MutualTls() {}

  /** A server context: our certificate, clients' certificates required and checked. */
  public static SslContext server(Path ca, Path cert, Path key, Consumer<String> log)
      throws IOException {
    Material m = new Material(ca, cert, key, log);
    return GrpcSslContexts.configure(
            SslContextBuilder.forServer(m.keyManager())
                .trustManager(m.trustManager())
                .clientAuth(ClientAuth.REQUIRE),
            SslProvider.JDK)
        .build();
  }

  /** A client context: our certificate, the server's checked against the CA. */
  public static SslContext client(Path ca, Path cert, Path key, Consumer<String> log)
      throws IOException {
    Material m = new Material(ca, cert, key, log);
    return GrpcSslContexts.configure(
            SslContextBuilder.forClient().keyManager(m.keyManager()).trustManager(m.trustManager()),
            SslProvider.JDK)
        .build();
  }

  /**
   * The names a certificate is known by, to authorise its holder: its subject alternative names
   * (DNS, IP address, URI) and the common name of its subject.
   */
  public static List<String> names(X509Certificate c) {
    List<String> out = new ArrayList<>();
    try {
      Collection<List<?>> sans = c.getSubjectAlternativeNames();
      if (sans != null) {
        for (List<?> san : sans) {
          int type = (Integer) san.get(0);
          if (type == 2 || type == 6
              || type == 7) { // dNSName, uniformResourceIdentifier, iPAddress
            out.add(String.valueOf(san.get(1)));
          }
        }
      }
    } catch (CertificateException e) {
      // no readable SANs: the common name alone
    }
    try {
      for (Rdn rdn : new LdapName(c.getSubjectX500Principal().getName()).getRdns()) {
        if (rdn.getType().equalsIgnoreCase("CN")) {
          out.add(String.valueOf(rdn.getValue()));
        }
      }
    } catch (javax.naming.InvalidNameException e) {
      // not a parsable subject
    }
    return out;
  }

  /** The three files, and the managers built from them as they were at the last change. */
  private static final class Material {
    private final Path ca;
    private final Path cert;
    private final Path key;
    private final Consumer<String> log;
    private volatile Loaded loaded;
    private volatile long checkedAt;

    private record Loaded(
        String stamp, X509ExtendedKeyManager keys, X509ExtendedTrustManager trust) {}

    Material(Path ca, Path cert, Path key, Consumer<String> log) throws IOException {
      this.ca = ca;
      this.cert = cert;
      this.key = key;
      this.log = log;
      this.loaded = load(stamp());
      this.checkedAt = System.currentTimeMillis();
    }

    /** What identifies the files' current content: their times and sizes, through symlinks. */
    private String stamp() throws IOException {
      StringBuilder b = new StringBuilder();
      for (Path p : List.of(ca, cert, key)) {
        b.append(Files.getLastModifiedTime(p).toMillis()).append('/').append(Files.size(p));
        b.append('/').append(p.toRealPath()).append(';');
      }
      return b.toString();
    }

    private Loaded current() {
      long now = System.currentTimeMillis();
      if (now - checkedAt < 1000) {
        return loaded;
      }
      checkedAt = now;
      try {
        String s = stamp();
        if (!s.equals(loaded.stamp())) {
          loaded = load(s);
          log.accept("TLS: read " + cert + ", " + key + " and " + ca + " again (they changed)");
        }
      } catch (IOException | RuntimeException e) {
        log.accept(
            "TLS: keeping the certificates in use: the new ones cannot be read: " + e.getMessage());
      }
      return loaded;
    }

    private Loaded load(String stamp) throws IOException {
      try {
        List<X509Certificate> chain = certificates(cert);
        if (chain.isEmpty()) {
          throw new IOException(cert + ": no certificate");
        }
        PrivateKey pk = privateKey(key, chain.get(0));
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        ks.setKeyEntry("key", pk, new char[0], chain.toArray(new Certificate[0]));
        KeyManagerFactory kmf =
            KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, new char[0]);
        KeyStore ts = KeyStore.getInstance("PKCS12");
        ts.load(null, null);
        List<X509Certificate> cas = certificates(ca);
        if (cas.isEmpty()) {
          throw new IOException(ca + ": no certificate");
        }
        for (int i = 0; i < cas.size(); i++) {
          ts.setCertificateEntry("ca" + i, cas.get(i));
        }
        TrustManagerFactory tmf =
            TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ts);
        return new Loaded(
            stamp,
            (X509ExtendedKeyManager) kmf.getKeyManagers()[0],
            (X509ExtendedTrustManager) tmf.getTrustManagers()[0]);
      } catch (GeneralSecurityException e) {
        throw new IOException(
            "TLS files " + cert + ", " + key + ", " + ca + ": " + e.getMessage(), e);
      }
    }

    private static List<X509Certificate> certificates(Path pem)
        throws IOException, GeneralSecurityException {
      List<X509Certificate> out = new ArrayList<>();
      for (Certificate c :
          CertificateFactory.getInstance("X.509")
              .generateCertificates(new ByteArrayInputStream(Files.readAllBytes(pem)))) {
        out.add((X509Certificate) c);
      }
      return out;
    }

    private static PrivateKey privateKey(Path pem, X509Certificate cert)
        throws IOException, GeneralSecurityException {
      String text = Files.readString(pem, StandardCharsets.US_ASCII);
      int begin = text.indexOf("-----BEGIN PRIVATE KEY-----");
      int end = text.indexOf("-----END PRIVATE KEY-----");
      if (begin < 0 || end < begin) {
        throw new IOException(pem + ": not a PKCS#8 PEM private key (BEGIN PRIVATE KEY)");
      }
      byte[] der =
          Base64.getMimeDecoder()
              .decode(text.substring(begin + "-----BEGIN PRIVATE KEY-----".length(), end));
      String algorithm = cert.getPublicKey().getAlgorithm();
      return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
    }

    X509ExtendedKeyManager keyManager() {
      return new X509ExtendedKeyManager() {
        @Override
        public String[] getClientAliases(String keyType, Principal[] issuers) {
          return current().keys().getClientAliases(keyType, issuers);
        }

        @Override
        public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
          return current().keys().chooseClientAlias(keyType, issuers, socket);
        }

        @Override
        public String chooseEngineClientAlias(
            String[] keyType, Principal[] issuers, SSLEngine engine) {
          return current().keys().chooseEngineClientAlias(keyType, issuers, engine);
        }

        @Override
        public String[] getServerAliases(String keyType, Principal[] issuers) {
          return current().keys().getServerAliases(keyType, issuers);
        }

        @Override
        public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
          return current().keys().chooseServerAlias(keyType, issuers, socket);
        }

        @Override
        public String chooseEngineServerAlias(
            String keyType, Principal[] issuers, SSLEngine engine) {
          return current().keys().chooseEngineServerAlias(keyType, issuers, engine);
        }

        @Override
        public X509Certificate[] getCertificateChain(String alias) {
          return loaded.keys().getCertificateChain(alias);
        }

        @Override
        public PrivateKey getPrivateKey(String alias) {
          return loaded.keys().getPrivateKey(alias);
        }
      };
    }

    X509ExtendedTrustManager trustManager() {
      return new X509ExtendedTrustManager() {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
            throws CertificateException {
          current().trust().checkClientTrusted(chain, authType, socket);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
            throws CertificateException {
          current().trust().checkServerTrusted(chain, authType, socket);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
          current().trust().checkClientTrusted(chain, authType, engine);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
          current().trust().checkServerTrusted(chain, authType, engine);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType)
            throws CertificateException {
          current().trust().checkClientTrusted(chain, authType);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType)
            throws CertificateException {
          current().trust().checkServerTrusted(chain, authType);
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
          return current().trust().getAcceptedIssuers();
        }
      };
    }
  }
}
