package io.regcred.provider.verify;

import io.regcred.model.AddressRule;
import io.regcred.model.DockerConfigJson;
import io.regcred.model.RegistryAuth;
import io.regcred.model.RegistryEndpoint;
import io.regcred.model.Verification;
import io.regcred.model.Verification.Outcome;
import io.regcred.model.VerifyStep;
import io.regcred.model.VerifyStep.Answer;
import io.regcred.model.VerifyStep.BasicLogin;
import io.regcred.model.VerifyStep.BearerLogin;
import io.regcred.model.VerifyStep.Done;
import io.regcred.model.VerifyStep.TokenRequest;
import io.regcred.provider.BoundedBody;
import io.regcred.provider.Causes;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.ProtocolException;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.UnresolvedAddressException;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertPathBuilderException;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/**
 * Proves a credential by the registry's own auth handshake, as a docker client performs it before a
 * pull ({@link VerifyStep} decides each request; this class only sends them). Redirects are never
 * followed, bodies are read only from the token endpoint and only up to {@link BoundedBody}'s
 * bound, and every request ends after the timeout. Safe for concurrent use.
 */
public final class RegistryVerifier {

  /** A handshake has at most three requests; this guards the loop against a decision bug. */
  private static final int MAX_REQUESTS = 4;

  private static final Pattern PEM_CERTIFICATE =
      Pattern.compile("-----BEGIN CERTIFICATE-----([A-Za-z0-9+/=\\s]+?)-----END CERTIFICATE-----");

  private final HttpClient http;
  private final Duration timeout;
  private final Optional<AddressRule> destinations;

  /**
   * A verifier that sends requests wherever the handshake leads, for credentials cluster admins
   * write.
   *
   * @param sslContext the trust for registries and token endpoints: {@code SSLContext.getDefault()}
   *     for the JVM's, or {@link #sslContextWith} to add a private CA bundle
   * @param timeout for each request, from sending it to the last byte of its answer
   */
  public RegistryVerifier(SSLContext sslContext, Duration timeout) {
    this(sslContext, timeout, Optional.empty());
  }

  /**
   * A verifier for credentials tenants write: no request goes to a host {@code destinations} does
   * not permit. It has a connection pool of its own, so it never reuses a connection opened for
   * another verifier.
   */
  public RegistryVerifier(SSLContext sslContext, Duration timeout, AddressRule destinations) {
    this(sslContext, timeout, Optional.of(destinations));
  }

  private RegistryVerifier(
      SSLContext sslContext, Duration timeout, Optional<AddressRule> destinations) {
    this.timeout = timeout;
    this.destinations = destinations;
    this.http =
        HttpClient.newBuilder()
            .sslContext(sslContext)
            .followRedirects(HttpClient.Redirect.NEVER)
            .connectTimeout(timeout)
            .build();
  }

  /**
   * A TLS context that trusts the JVM's default certificate authorities and also those of {@code
   * pemBundle} (PEM {@code CERTIFICATE} blocks; text between them is ignored).
   *
   * @throws IllegalArgumentException if the bundle holds no certificate or one that cannot be read
   */
  public static SSLContext sslContextWith(String pemBundle) {
    List<X509Certificate> bundle = certificates(pemBundle);
    try {
      TrustManagerFactory jvm =
          TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      jvm.init((KeyStore) null);
      KeyStore anchors = KeyStore.getInstance(KeyStore.getDefaultType());
      anchors.load(null, null);
      int n = 0;
      for (var manager : jvm.getTrustManagers()) {
        if (manager instanceof X509TrustManager x509) {
          for (X509Certificate ca : x509.getAcceptedIssuers()) {
            anchors.setCertificateEntry("jvm-" + n++, ca);
          }
        }
      }
      for (X509Certificate ca : bundle) {
        anchors.setCertificateEntry("bundle-" + n++, ca);
      }
      TrustManagerFactory both =
          TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      both.init(anchors);
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(null, both.getTrustManagers(), null);
      return context;
    } catch (GeneralSecurityException | IOException e) {
      throw new IllegalStateException("cannot build a TLS context with the CA bundle", e);
    }
  }

  private static List<X509Certificate> certificates(String pemBundle) {
    List<X509Certificate> certificates = new ArrayList<>();
    Matcher block = PEM_CERTIFICATE.matcher(pemBundle == null ? "" : pemBundle);
    try {
      CertificateFactory factory = CertificateFactory.getInstance("X.509");
      while (block.find()) {
        int number = certificates.size() + 1;
        try {
          byte[] der = Base64.getMimeDecoder().decode(block.group(1));
          certificates.add(
              (X509Certificate) factory.generateCertificate(new ByteArrayInputStream(der)));
        } catch (IllegalArgumentException | CertificateException e) {
          throw new IllegalArgumentException(
              "certificate " + number + " of the CA bundle cannot be read");
        }
      }
    } catch (CertificateException e) {
      throw new IllegalStateException("the JVM has no X.509 certificate factory", e);
    }
    if (certificates.isEmpty()) {
      throw new IllegalArgumentException("the CA bundle holds no PEM certificate");
    }
    return certificates;
  }

  /** The registry's verdict on {@code auth}, after at most three requests. */
  public Verification verify(RegistryAuth auth) {
    var endpoint = RegistryEndpoint.of(auth.server());
    if (endpoint.isEmpty()) {
      return new Verification(
          Outcome.Unexpected, "the server is not a registry host[:port] a client could reach");
    }
    String registry = endpoint.get().authority();
    VerifyStep step = VerifyStep.first();
    for (int sent = 0; sent < MAX_REQUESTS && !(step instanceof Done); sent++) {
      URI url = step instanceof TokenRequest request ? request.url() : endpoint.get().v2();
      Answer answer;
      try {
        Optional<Verification> closed = closed(url, step instanceof TokenRequest);
        if (closed.isPresent()) {
          return closed.get();
        }
        answer = send(step, url, auth);
      } catch (Failed failed) {
        return new Verification(
            failed.outcome, VerifyStep.describe(step, registry) + " " + failed.getMessage());
      }
      step = VerifyStep.next(step, answer, registry, auth.username());
    }
    if (step instanceof Done done) {
      return done.verification();
    }
    return new Verification(Outcome.Unexpected, "the handshake with " + registry + " did not end");
  }

  /**
   * Why no request may go to {@code url}, if {@link #destinations} says so; empty when it may. The
   * host is resolved here and again by the HTTP client when it connects: the JVM caches the answer
   * (security property {@code networkaddress.cache.ttl}, 30 s by default), so the connection
   * normally goes to the addresses just judged, but a DNS server that changes its answer between
   * the two lookups (DNS rebinding) can still slip past this check; an egress NetworkPolicy for the
   * operator's pod closes that gap.
   *
   * @throws Failed if the host does not resolve: with no address to judge, no request is sent
   */
  private Optional<Verification> closed(URI url, boolean tokenEndpoint) throws Failed {
    if (destinations.isEmpty()) {
      return Optional.empty();
    }
    String host = url.getHost();
    int port = url.getPort() < 0 ? 443 : url.getPort();
    if (destinations.get().lists(host, port)) {
      return Optional.empty();
    }
    List<InetAddress> addresses;
    try {
      addresses = List.of(InetAddress.getAllByName(host));
    } catch (UnknownHostException e) {
      throw new Failed(Outcome.Unreachable, "failed: the host name does not resolve");
    }
    if (destinations.get().permits(addresses)) {
      return Optional.empty();
    }
    // The host as the tenant's registry named it, never what it resolved to.
    String shown = host.length() <= 100 ? host : host.substring(0, 100) + "...";
    return Optional.of(
        new Verification(
            Outcome.NotPublic,
            "not verified: "
                + (tokenEndpoint ? "the token endpoint " : "")
                + shown
                + " is not a public address; namespaced credentials verify only public registries"
                + " (REGCRED_TENANT_VERIFY_ALLOWED)"));
  }

  /** One request of the handshake to {@code url}, presenting what the step says. */
  private Answer send(VerifyStep step, URI url, RegistryAuth auth) throws Failed {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(url)
            .GET()
            .timeout(timeout)
            .header("User-Agent", "regcred-operator")
            .header("Accept", "application/json");
    if (step instanceof BasicLogin || step instanceof TokenRequest) {
      request.header(
          "Authorization", "Basic " + DockerConfigJson.basicAuth(auth.username(), auth.password()));
    } else if (step instanceof BearerLogin login) {
      request.header("Authorization", "Bearer " + login.token());
    }
    if (step instanceof TokenRequest) {
      CompletableFuture<HttpResponse<byte[]>> call =
          http.sendAsync(request.build(), BoundedBody.handler());
      HttpResponse<byte[]> response = await(call, call);
      return new Answer(
          response.statusCode(), response.headers().allValues("WWW-Authenticate"), response.body());
    }
    // The status and headers are the whole answer of /v2/: the body is not read at all. They are
    // taken as soon as they arrive, since cancelling the body fails the response of an HTTP/2
    // exchange.
    CompletableFuture<HttpResponse.ResponseInfo> head = new CompletableFuture<>();
    CompletableFuture<HttpResponse<byte[]>> call =
        http.sendAsync(
            request.build(),
            info -> {
              head.complete(info);
              return new NoBody();
            });
    call.whenComplete(
        (response, error) -> {
          if (error != null) {
            head.completeExceptionally(error);
          }
        });
    HttpResponse.ResponseInfo info = await(head, call);
    return new Answer(info.statusCode(), info.headers().allValues("WWW-Authenticate"));
  }

  /** {@code result} within the timeout, else {@code call} is cancelled. */
  private <T> T await(CompletableFuture<T> result, CompletableFuture<?> call) throws Failed {
    try {
      return result.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      call.cancel(true);
      throw new Failed(Outcome.Unreachable, "timed out after " + readable(timeout));
    } catch (InterruptedException e) {
      call.cancel(true);
      Thread.currentThread().interrupt();
      throw new Failed(Outcome.Unreachable, "was interrupted");
    } catch (ExecutionException e) {
      throw failure(e.getCause());
    }
  }

  /** What went wrong, by exception class only: exception texts may quote a server's answer. */
  private Failed failure(Throwable cause) {
    if (Causes.find(cause, BoundedBody.TooLargeException.class) != null) {
      return new Failed(
          Outcome.Unexpected, "answered with a body larger than " + BoundedBody.LIMIT);
    }
    if (Causes.find(cause, HttpConnectTimeoutException.class) != null) {
      return new Failed(Outcome.Unreachable, "could not connect within " + readable(timeout));
    }
    if (Causes.find(cause, HttpTimeoutException.class) != null) {
      return new Failed(Outcome.Unreachable, "timed out after " + readable(timeout));
    }
    if (Causes.find(cause, UnresolvedAddressException.class) != null
        || Causes.find(cause, UnknownHostException.class) != null) {
      return new Failed(Outcome.Unreachable, "failed: the host name does not resolve");
    }
    if (Causes.find(cause, ConnectException.class) != null) {
      return new Failed(Outcome.Unreachable, "failed: the connection was refused");
    }
    if (Causes.find(cause, CertPathBuilderException.class) != null
        || Causes.find(cause, CertPathValidatorException.class) != null) {
      return new Failed(
          Outcome.Unreachable,
          "failed: TLS: the server's certificate is not trusted (neither by the JVM's"
              + " certificate authorities nor by the CA bundle)");
    }
    if (Causes.find(cause, CertificateException.class) != null) {
      return new Failed(
          Outcome.Unreachable, "failed: TLS: the server's certificate does not name the host");
    }
    if (Causes.find(cause, ProtocolException.class) != null) {
      // The JDK's client refuses headers beyond its limit (jdk.http.maxHeaderSize) this way.
      return new Failed(
          Outcome.Unexpected,
          "failed: the answer is not HTTP the client can read (malformed, or headers too large)");
    }
    if (Causes.find(cause, SSLHandshakeException.class) != null) {
      return new Failed(Outcome.Unreachable, "failed: the TLS handshake failed");
    }
    return new Failed(Outcome.Unreachable, "failed (" + Causes.names(cause, Set.of()) + ")");
  }

  /** Why a request got no answer to decide on. */
  private static final class Failed extends Exception {
    final Outcome outcome;

    Failed(Outcome outcome, String message) {
      super(message, null, false, false);
      this.outcome = outcome;
    }
  }

  /** Takes no body: the exchange is cancelled at once, so a body that never ends costs nothing. */
  private static final class NoBody implements HttpResponse.BodySubscriber<byte[]> {
    private final CompletableFuture<byte[]> body = new CompletableFuture<>();

    @Override
    public CompletionStage<byte[]> getBody() {
      return body;
    }

    @Override
    public void onSubscribe(Flow.Subscription subscription) {
      subscription.cancel();
      body.complete(new byte[0]);
    }

    @Override
    public void onNext(List<ByteBuffer> item) {}

    @Override
    public void onError(Throwable throwable) {
      body.complete(new byte[0]);
    }

    @Override
    public void onComplete() {
      body.complete(new byte[0]);
    }
  }

  private static String readable(Duration d) {
    return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
  }
}
