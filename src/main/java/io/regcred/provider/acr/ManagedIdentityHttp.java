package io.regcred.provider.acr;

import com.azure.core.http.HttpClient;
import com.azure.core.http.HttpRequest;
import com.azure.core.http.HttpResponse;
import com.azure.core.util.Context;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.UnknownHostException;
import java.net.http.HttpConnectTimeoutException;
import java.util.OptionalInt;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import reactor.core.publisher.Mono;

/**
 * The HTTP client of one managed identity token request. It remembers what the managed identity
 * endpoint (IMDS, or the App Service / Arc endpoint) answered: MSAL4J reports an HTTP 400 ("the
 * identity is not assigned here") only inside its message, which the operator does not read, and a
 * refused connection the same way as any unreachable host.
 *
 * <p>A connection that cannot be made ends the request at once instead of being retried by the
 * library's IMDS policy (five times, about 25 s): where there is no endpoint, there is no managed
 * identity, and the reconciler retries the whole fetch with its own backoff.
 */
final class ManagedIdentityHttp implements HttpClient {

  /** No connection to the endpoint could be made; deliberately not an IOException, see above. */
  static final class EndpointUnreachable extends RuntimeException {
    EndpointUnreachable(Throwable cause) {
      super(cause.getClass().getSimpleName(), null, false, false);
    }
  }

  private final HttpClient delegate;
  private final AtomicInteger lastStatus = new AtomicInteger();
  private final AtomicReference<String> unreachable = new AtomicReference<>();

  ManagedIdentityHttp(HttpClient delegate) {
    this.delegate = delegate;
  }

  /** The status of the endpoint's last answer, if it answered. */
  OptionalInt lastStatus() {
    int status = lastStatus.get();
    return status == 0 ? OptionalInt.empty() : OptionalInt.of(status);
  }

  /** Why no connection could be made (the exception's class name), if that is what happened. */
  java.util.Optional<String> unreachable() {
    return java.util.Optional.ofNullable(unreachable.get());
  }

  @Override
  public Mono<HttpResponse> send(HttpRequest request) {
    return send(request, Context.NONE);
  }

  @Override
  public Mono<HttpResponse> send(HttpRequest request, Context context) {
    return delegate
        .send(request, context)
        .doOnNext(response -> lastStatus.set(response.getStatusCode()))
        .onErrorMap(ManagedIdentityHttp::isConnectFailure, this::unreachable);
  }

  @Override
  public HttpResponse sendSync(HttpRequest request, Context context) {
    HttpResponse response;
    try {
      response = delegate.sendSync(request, context);
    } catch (RuntimeException e) {
      throw isConnectFailure(e) ? unreachable(e) : e;
    }
    lastStatus.set(response.getStatusCode());
    return response;
  }

  private EndpointUnreachable unreachable(Throwable e) {
    Throwable cause = connectFailure(e);
    unreachable.compareAndSet(null, cause.getClass().getSimpleName());
    return new EndpointUnreachable(cause);
  }

  private static boolean isConnectFailure(Throwable e) {
    return connectFailure(e) != null;
  }

  private static Throwable connectFailure(Throwable e) {
    int depth = 0;
    for (Throwable t = e; t != null && depth++ < 8; t = t.getCause()) {
      if (t instanceof ConnectException
          || t instanceof NoRouteToHostException
          || t instanceof UnknownHostException
          || t instanceof HttpConnectTimeoutException) {
        return t;
      }
    }
    return null;
  }
}
