package io.regcred.provider;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.RSAPublicKeySpec;
import java.time.Clock;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * What a cloud's federation trusts: tokens of one Kubernetes ServiceAccount, for one audience,
 * signed by one issuer's keys (its JWKS), unexpired. The cloud fakes check presented tokens with
 * this and refuse the rest the way their cloud does, so that a provider sending the operator's
 * token, another namespace's, or one for another audience is caught.
 */
public final class ServiceAccountTrust {

  /** Why a token was refused, in the order they are checked. */
  public enum Refusal {
    MALFORMED,
    SIGNATURE,
    EXPIRED,
    SUBJECT,
    AUDIENCE
  }

  private static final ObjectMapper JSON = new ObjectMapper();

  private final Map<String, PublicKey> keys;
  private final String subject;
  private final String audience;
  private final Clock clock;

  private ServiceAccountTrust(
      Map<String, PublicKey> keys, String subject, String audience, Clock clock) {
    this.keys = Map.copyOf(keys);
    this.subject = subject;
    this.audience = audience;
    this.clock = clock;
  }

  /**
   * Trusts {@code namespace/serviceAccount} for {@code audience}, signed by one of {@code keys}.
   */
  public static ServiceAccountTrust of(
      Map<String, PublicKey> keys, String namespace, String serviceAccount, String audience) {
    return new ServiceAccountTrust(
        keys,
        "system:serviceaccount:" + namespace + ":" + serviceAccount,
        audience,
        Clock.systemUTC());
  }

  /** The RSA keys of a JWKS document ({@code /openid/v1/jwks}), by key id. */
  public static Map<String, PublicKey> jwks(String json) {
    Map<String, PublicKey> keys = new LinkedHashMap<>();
    try {
      for (JsonNode key : JSON.readTree(json).path("keys")) {
        if (!"RSA".equals(key.path("kty").asText())) {
          continue;
        }
        BigInteger n = new BigInteger(1, Base64.getUrlDecoder().decode(key.path("n").asText()));
        BigInteger e = new BigInteger(1, Base64.getUrlDecoder().decode(key.path("e").asText()));
        keys.put(
            key.path("kid").asText(),
            KeyFactory.getInstance("RSA").generatePublic(new RSAPublicKeySpec(n, e)));
      }
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalArgumentException("not a JWKS document", e);
    }
    if (keys.isEmpty()) {
      throw new IllegalArgumentException("the JWKS document has no RSA key");
    }
    return keys;
  }

  public String subject() {
    return subject;
  }

  /** Why {@code jwt} is refused, or empty if it is accepted. */
  public Optional<Refusal> check(String jwt) {
    if (jwt == null) {
      return Optional.of(Refusal.MALFORMED);
    }
    String[] parts = jwt.split("\\.", -1);
    if (parts.length != 3) {
      return Optional.of(Refusal.MALFORMED);
    }
    JsonNode header;
    JsonNode claims;
    try {
      header = JSON.readTree(Base64.getUrlDecoder().decode(parts[0]));
      claims = JSON.readTree(Base64.getUrlDecoder().decode(parts[1]));
    } catch (IOException | IllegalArgumentException e) {
      return Optional.of(Refusal.MALFORMED);
    }
    if (!"RS256".equals(header.path("alg").asText())) {
      return Optional.of(Refusal.SIGNATURE);
    }
    PublicKey key = keys.get(header.path("kid").asText());
    if (key == null || !verifies(key, parts)) {
      return Optional.of(Refusal.SIGNATURE);
    }
    long now = clock.instant().getEpochSecond();
    if (!claims.path("exp").isNumber() || claims.path("exp").asLong() <= now) {
      return Optional.of(Refusal.EXPIRED);
    }
    if (!subject.equals(claims.path("sub").asText())) {
      return Optional.of(Refusal.SUBJECT);
    }
    JsonNode aud = claims.path("aud");
    boolean audienceMatches = aud.isTextual() && aud.asText().equals(audience);
    for (JsonNode a : aud) {
      audienceMatches |= a.asText().equals(audience);
    }
    if (!audienceMatches) {
      return Optional.of(Refusal.AUDIENCE);
    }
    return Optional.empty();
  }

  private static boolean verifies(PublicKey key, String[] parts) {
    try {
      Signature rsa = Signature.getInstance("SHA256withRSA");
      rsa.initVerify(key);
      rsa.update((parts[0] + "." + parts[1]).getBytes(StandardCharsets.US_ASCII));
      return rsa.verify(Base64.getUrlDecoder().decode(parts[2]));
    } catch (GeneralSecurityException | IllegalArgumentException e) {
      return false;
    }
  }
}
