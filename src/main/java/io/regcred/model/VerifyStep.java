package io.regcred.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.regcred.model.Verification.Outcome;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The registry auth handshake a docker client performs, one request at a time, with the I/O left to
 * the caller: {@link #first()} is an anonymous {@code GET /v2/}; {@link #next} reads the answer to
 * the step just taken and says what to send next, or that the handshake is {@link Done}.
 *
 * <p>The credential goes only where a docker client sends it: to the registry's {@code /v2/} after
 * a Basic challenge, or to the token endpoint (realm) a Bearer challenge names, and only over
 * https. Redirects end the handshake. A Bearer challenge is preferred to Basic when a registry
 * offers both, as docker clients do.
 */
public sealed interface VerifyStep {

  /** {@code GET /v2/} presenting nothing, to learn the registry's challenge. */
  record Ping() implements VerifyStep {}

  /** {@code GET /v2/} with the credential as {@code Authorization: Basic}. */
  record BasicLogin() implements VerifyStep {}

  /**
   * {@code GET url} (the realm with {@code service}, {@code scope} and {@code account} added) with
   * the credential as {@code Authorization: Basic}; the answer carries the token.
   */
  record TokenRequest(URI url) implements VerifyStep {}

  /**
   * {@code GET /v2/} with {@code Authorization: Bearer token}, the token that {@code issuer} (the
   * realm's host) issued for the credential.
   */
  record BearerLogin(String token, String issuer) implements VerifyStep {
    @Override
    public String toString() {
      return "BearerLogin[token=<redacted>, issuer=" + issuer + "]";
    }
  }

  /** The handshake is over. */
  record Done(Verification verification) implements VerifyStep {}

  /**
   * What a step's request got back: the status, the {@code WWW-Authenticate} values and, for a
   * {@link TokenRequest}, the body (empty for the others, whose bodies are not read).
   */
  record Answer(int status, List<String> wwwAuthenticate, byte[] body) {
    public Answer {
      wwwAuthenticate = wwwAuthenticate == null ? List.of() : List.copyOf(wwwAuthenticate);
      body = body == null ? new byte[0] : body;
    }

    public Answer(int status, List<String> wwwAuthenticate) {
      this(status, wwwAuthenticate, new byte[0]);
    }
  }

  /** A token longer than this is not a registry token (they are a few KiB at most). */
  int MAX_TOKEN_CHARS = 16 * 1024;

  /** The first request: as a docker client, ask {@code /v2/} without a credential. */
  static VerifyStep first() {
    return new Ping();
  }

  /**
   * The step after {@code taken}, given its answer.
   *
   * @param registry the registry's {@code host[:port]} ({@link RegistryEndpoint#authority()})
   * @param username the credential's user name, sent as {@code account} to a token endpoint as
   *     docker clients do
   */
  static VerifyStep next(VerifyStep taken, Answer answer, String registry, String username) {
    if (taken instanceof Ping) {
      return Decide.afterPing(answer, registry, username);
    }
    if (taken instanceof BasicLogin) {
      return Decide.afterLogin(answer, registry, "the credential (Basic)");
    }
    if (taken instanceof TokenRequest request) {
      return Decide.afterToken(request, answer);
    }
    if (taken instanceof BearerLogin login) {
      return Decide.afterLogin(answer, registry, "the token " + login.issuer() + " issued");
    }
    return taken;
  }

  /** How each step is described in messages: the request, the host, what it presented. */
  static String describe(VerifyStep step, String registry) {
    String v2 = "GET https://" + registry + "/v2/";
    if (step instanceof Ping) {
      return v2 + " without credential";
    }
    if (step instanceof BasicLogin) {
      return v2 + " with the credential (Basic)";
    }
    if (step instanceof TokenRequest request) {
      return "the token request to " + Decide.shown(request.url()) + " (Basic)";
    }
    if (step instanceof BearerLogin login) {
      return v2 + " with the token " + login.issuer() + " issued";
    }
    return "the end of the handshake";
  }

  /** The decisions, apart from the public surface. */
  final class Decide {
    private static final ObjectMapper JSON = new ObjectMapper();

    private Decide() {}

    static VerifyStep afterPing(Answer answer, String registry, String username) {
      String step = describe(new Ping(), registry);
      int status = answer.status();
      if (status == 200) {
        return done(
            Outcome.NotRequired,
            registry
                + " answered /v2/ without asking for a credential: there is nothing to verify");
      }
      if (status != 401) {
        return unusualStatus(step, status, "200 or 401");
      }
      List<AuthChallenge> challenges = AuthChallenge.parse(answer.wwwAuthenticate());
      Optional<AuthChallenge> bearer = challenges.stream().filter(c -> c.is("bearer")).findFirst();
      if (bearer.isPresent()) {
        return tokenRequest(bearer.get(), registry, username);
      }
      if (challenges.stream().anyMatch(c -> c.is("basic"))) {
        return new BasicLogin();
      }
      if (challenges.isEmpty()) {
        return done(
            Outcome.Unexpected,
            step
                + " answered HTTP 401 without a challenge a docker client can read"
                + " (WWW-Authenticate Basic or Bearer, at most "
                + AuthChallenge.MAX_CHARS / 1024
                + " KiB)");
      }
      return done(
          Outcome.Unexpected,
          step
              + " answered HTTP 401 asking for "
              + shownScheme(challenges.get(0))
              + " authentication, which docker clients do not speak");
    }

    /** After presenting the credential (Basic) or its token (Bearer) at {@code /v2/}. */
    static VerifyStep afterLogin(Answer answer, String registry, String presented) {
      int status = answer.status();
      if (status == 200) {
        return done(Outcome.Verified, registry + " accepted " + presented + " at /v2/");
      }
      if (status == 401 || status == 403) {
        return done(
            Outcome.Unauthorized,
            registry + " refused " + presented + ": GET /v2/ answered HTTP " + status);
      }
      return unusualStatus("GET https://" + registry + "/v2/ with " + presented, status, "200");
    }

    static VerifyStep afterToken(TokenRequest taken, Answer answer) {
      String issuer = authority(taken.url());
      String step = describe(taken, "");
      int status = answer.status();
      if (status == 401 || status == 403) {
        return done(
            Outcome.Unauthorized,
            "the token endpoint " + issuer + " refused the credential: HTTP " + status);
      }
      if (status != 200) {
        return unusualStatus(step, status, "200");
      }
      Optional<String> token = token(answer.body());
      if (token.isEmpty()) {
        return done(
            Outcome.Unexpected,
            step + " answered HTTP 200 without a token (JSON field token or access_token)");
      }
      if (!sendable(token.get())) {
        return done(
            Outcome.Unexpected,
            step + " answered with a token that cannot be sent in an Authorization header");
      }
      return new BearerLogin(token.get(), issuer);
    }

    /**
     * The token request for a Bearer challenge, or {@link Done} if its realm is missing or not an
     * https URL: the credential is sent to no other kind of realm.
     */
    private static VerifyStep tokenRequest(AuthChallenge bearer, String registry, String username) {
      Optional<String> realm = bearer.param("realm");
      if (realm.isEmpty() || realm.get().isBlank()) {
        return done(
            Outcome.Unexpected,
            registry + " answered with a Bearer challenge without a realm (its token endpoint)");
      }
      URI url;
      try {
        url = new URI(realm.get());
      } catch (URISyntaxException e) {
        return done(
            Outcome.Unexpected,
            registry
                + " names a token endpoint (realm) that is not a URL; the credential is not sent"
                + " there");
      }
      boolean https = url.getScheme() != null && url.getScheme().equalsIgnoreCase("https");
      if (!https
          || url.getHost() == null
          || url.getRawUserInfo() != null
          || url.getRawFragment() != null) {
        return done(
            Outcome.Unexpected,
            registry
                + " names a token endpoint (realm) that is not an https:// URL of a host ("
                + shownRealm(url)
                + "); the credential is not sent there");
      }
      StringBuilder query = new StringBuilder();
      if (url.getRawQuery() != null && !url.getRawQuery().isEmpty()) {
        query.append(url.getRawQuery());
      }
      bearer.param("service").ifPresent(s -> add(query, "service", s));
      bearer.param("scope").ifPresent(s -> add(query, "scope", s));
      if (!username.isEmpty()) {
        add(query, "account", username);
      }
      String path = url.getRawPath() == null || url.getRawPath().isEmpty() ? "/" : url.getRawPath();
      return new TokenRequest(
          URI.create(
              "https://"
                  + url.getRawAuthority()
                  + path
                  + (query.length() == 0 ? "" : "?" + query)));
    }

    private static void add(StringBuilder query, String name, String value) {
      if (query.length() > 0) {
        query.append('&');
      }
      query
          .append(URLEncoder.encode(name, StandardCharsets.UTF_8))
          .append('=')
          .append(URLEncoder.encode(value, StandardCharsets.UTF_8));
    }

    /** {@code token}, else {@code access_token}, of a token endpoint's JSON answer. */
    private static Optional<String> token(byte[] body) {
      try {
        JsonNode node = JSON.readTree(body);
        if (node == null || !node.isObject()) {
          return Optional.empty();
        }
        for (String field : List.of("token", "access_token")) {
          JsonNode value = node.get(field);
          if (value != null && value.isTextual() && !value.asText().isEmpty()) {
            return Optional.of(value.asText());
          }
        }
        return Optional.empty();
      } catch (IOException e) {
        return Optional.empty();
      }
    }

    /** Visible ASCII only: anything else could break out of the header or be refused by it. */
    private static boolean sendable(String token) {
      if (token.length() > MAX_TOKEN_CHARS) {
        return false;
      }
      for (int k = 0; k < token.length(); k++) {
        char c = token.charAt(k);
        if (c < 0x21 || c > 0x7E) {
          return false;
        }
      }
      return true;
    }

    private static VerifyStep unusualStatus(String step, int status, String expected) {
      if (status / 100 == 3) {
        return done(
            Outcome.Unexpected,
            step
                + " answered HTTP "
                + status
                + ", a redirect: redirects are not followed, so no credential goes elsewhere");
      }
      if (status / 100 == 5 || status == 429) {
        return done(
            Outcome.Unreachable, step + " answered HTTP " + status + ": the server is unavailable");
      }
      return done(
          Outcome.Unexpected,
          step + " answered HTTP " + status + " where " + expected + " was due");
    }

    private static Done done(Outcome outcome, String message) {
      return new Done(new Verification(outcome, message));
    }

    /** {@code https://host[:port]/path} of a realm, without its query: what messages show. */
    static String shown(URI url) {
      return "https://" + authority(url) + clip(url.getRawPath() == null ? "" : url.getRawPath());
    }

    private static String shownRealm(URI url) {
      String scheme = url.getScheme() == null ? "" : clip(url.getScheme()) + "://";
      return scheme + (url.getHost() == null ? "no host" : authority(url));
    }

    private static String authority(URI url) {
      String host = url.getHost() == null ? "" : url.getHost().toLowerCase(Locale.ROOT);
      return clip(url.getPort() < 0 ? host : host + ":" + url.getPort());
    }

    private static String shownScheme(AuthChallenge challenge) {
      return clip(challenge.scheme());
    }

    /** Parts a server chose are cut short in messages. */
    private static String clip(String text) {
      return text.length() <= 100 ? text : text.substring(0, 100) + "...";
    }
  }
}
