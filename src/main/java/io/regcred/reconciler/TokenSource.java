package io.regcred.reconciler;

import io.regcred.api.v1alpha1.ClusterRegistryCredential;
import io.regcred.metrics.OperatorMetrics;
import io.regcred.model.FetchState;
import io.regcred.model.Reason;
import io.regcred.model.RefreshSchedule;
import io.regcred.model.RegistryToken;
import io.regcred.model.StatusFactory.SourceState;
import io.regcred.model.TokenDecision;
import io.regcred.model.TokenLifetime;
import io.regcred.provider.SourceException;
import io.regcred.provider.TokenProvider;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The token of a pass: the stored one reused, a new one fetched, or none fetched while the source
 * backs off ({@link TokenDecision}); at most one call to the source. During an outage the last good
 * token is used while it lives. The only place that calls a token provider.
 */
final class TokenSource {

  private static final Logger log = LoggerFactory.getLogger(TokenSource.class);

  private final TokenStore tokens;
  private final List<TokenProvider> providers;
  private final OperatorMetrics metrics;
  private final Clock clock;
  private final String sourceNamespace;

  TokenSource(
      TokenStore tokens,
      List<TokenProvider> providers,
      OperatorMetrics metrics,
      Clock clock,
      String sourceNamespace) {
    this.tokens = tokens;
    this.providers = providers;
    this.metrics = metrics;
    this.clock = clock;
    this.sourceNamespace = sourceNamespace;
  }

  /**
   * For namespaced credentials, which bring their own fetcher and keep their own tokens: only
   * {@link #obtain(Request, FetchState, Instant)} applies.
   */
  static TokenSource forRequests(OperatorMetrics metrics, Clock clock) {
    return new TokenSource(null, List.of(), metrics, clock, null);
  }

  /**
   * @param token the token to write, if there is one
   * @param source the source as status shows it
   * @param fetch the fetch history after this pass
   */
  record Outcome(Optional<RegistryToken> token, SourceState source, FetchState fetch) {}

  Outcome obtain(
      ClusterRegistryCredential credential, String sourceHash, FetchState fetch, Instant now) {
    Optional<RegistryToken> current = tokens.current(credential, sourceHash, now);
    return obtain(
        new Request(
            credential.getMetadata().getName(),
            credential.getSpec().getSource().kind(),
            describeSource(credential),
            current,
            t -> RefreshSchedule.refreshTime(credential, t),
            () -> provider(credential).fetch(credential),
            t -> tokens.remember(credential, t, sourceHash)),
        fetch,
        now);
  }

  /** One call to a source, for a credential of either kind. */
  @FunctionalInterface
  interface Fetcher {
    RegistryToken fetch() throws SourceException;
  }

  /**
   * What deciding on a credential's token needs.
   *
   * @param key the credential's key (for logs and metrics)
   * @param current the token in hand for this source spec, if any
   * @param refreshTime when a token must be replaced
   * @param remember keeps a fetched token
   */
  record Request(
      String key,
      String sourceKind,
      String description,
      Optional<RegistryToken> current,
      Function<RegistryToken, Optional<Instant>> refreshTime,
      Fetcher fetcher,
      Consumer<RegistryToken> remember) {}

  /** The token of a pass for a credential of either kind: at most one call to its source. */
  Outcome obtain(Request request, FetchState fetch, Instant now) {
    String name = request.key();
    String sourceKind = request.sourceKind();
    Optional<RegistryToken> current = request.current();
    Optional<Instant> currentRefresh = current.flatMap(request.refreshTime());

    // Decide on the token, then carry the decision out: at most one call to the source.
    TokenDecision decision = TokenDecision.decide(current, currentRefresh, fetch, now);
    Optional<RegistryToken> token;
    SourceState source;
    if (decision instanceof TokenDecision.Reuse reuse) {
      token = Optional.of(reuse.token());
      source = SourceState.available(request.description(), reuse.token().expiresAt());
    } else if (decision instanceof TokenDecision.Fetch) {
      try {
        RegistryToken fetched = usable(sourceKind, request.fetcher().fetch());
        metrics.providerCall(sourceKind, name, true);
        request.remember().accept(fetched);
        fetch = FetchState.fresh(fetch.sourceKey());
        if (fetched.expiresAt().isPresent()) {
          log.info(
              "fetched credential={} source={} expiresAt={}",
              name,
              sourceKind,
              fetched.expiresAt().get());
        } else {
          log.debug("read credential={} source={}", name, sourceKind); // every pass
        }
        token = Optional.of(fetched);
        source = SourceState.available(request.description(), fetched.expiresAt());
      } catch (SourceException e) {
        metrics.providerCall(sourceKind, name, false);
        log.warn(
            "source unavailable credential={} reason={} message={}",
            name,
            e.reason(),
            e.getMessage());
        token = TokenDecision.lastGood(current, now);
        fetch =
            fetch.failed(
                new FetchState.Failure(e.reason(), e.getMessage()),
                now,
                token.flatMap(RegistryToken::expiresAt));
        source = sourceFailed(fetch, token, now);
      }
    } else {
      // Backing off: no call to the source before the stored next attempt, whatever the event.
      token = TokenDecision.lastGood(current, now);
      source = sourceFailed(fetch, token, now);
    }
    return new Outcome(token, source, fetch);
  }

  /** The source as status shows it while failing: why, and the last good token's expiry. */
  private static SourceState sourceFailed(
      FetchState fetch, Optional<RegistryToken> lastGood, Instant now) {
    var failure =
        fetch.lastFailure().orElse(new FetchState.Failure(Reason.SourceUnavailable.name(), "?"));
    Optional<Instant> lastExpiry = lastGood.flatMap(RegistryToken::expiresAt);
    if (lastExpiry.isEmpty()) {
      return SourceState.failed(failure.reason(), failure.message());
    }
    boolean expiring = RefreshSchedule.expiring(lastGood.get().issuedAt(), lastExpiry.get(), now);
    return SourceState.failed(failure.reason(), failure.message(), lastExpiry.get(), expiring);
  }

  /**
   * A fetched token, if its lifetime is one the source can have: an expiry in the past or seconds
   * away would refetch in a hot loop, one far beyond the documented maximum would never rotate.
   */
  private RegistryToken usable(String sourceKind, RegistryToken token) throws SourceException {
    var problem = TokenLifetime.problem(sourceKind, token, clock.instant());
    if (problem.isPresent()) {
      throw new SourceException(
          Reason.ProviderError,
          "the " + sourceKind + " source returned an unusable token: " + problem.get());
    }
    return token;
  }

  private TokenProvider provider(ClusterRegistryCredential credential) throws SourceException {
    return providers.stream()
        .filter(p -> p.supports(credential))
        .findFirst()
        .orElseThrow(
            () ->
                new SourceException(
                    Reason.SourceNotSupported,
                    "source "
                        + credential.getSpec().getSource().kind()
                        + " is not supported by this operator build"));
  }

  private String describeSource(ClusterRegistryCredential credential) {
    var source = credential.getSpec().getSource();
    if (source.getStaticSource() != null) {
      return "static credential read from Secret "
          + sourceNamespace
          + "/"
          + source.getStaticSource().getSecretRef().getName();
    }
    return source.kind() + " token fetched";
  }
}
