package io.regcred.provider.verify;

import io.regcred.model.AddressRule;
import io.regcred.model.ManagedSecret;
import io.regcred.model.Reason;
import io.regcred.model.RegistryAuth;
import io.regcred.model.Verification;
import io.regcred.model.VerificationResult.ServerCheck;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import javax.net.ssl.SSLContext;

/**
 * The registry's login handshake ({@link RegistryVerifier}) as verification uses it: with the JVM's
 * trust, or with a credential's CA bundle added, and its outcome as the reason the {@code Verified}
 * condition shows.
 */
public final class HandshakeCheck implements RegistryCheck {

  /** For each request of a handshake; a registry slower than this is reported unreachable. */
  static final Duration TIMEOUT = Duration.ofSeconds(10);

  /** Verifiers for CA bundles, kept for reuse; credentials have few distinct bundles. */
  private static final int MAX_BUNDLES = 32;

  private final Function<SSLContext, RegistryVerifier> verifiers;
  private final RegistryVerifier withJvmTrust;
  private final Map<String, RegistryVerifier> withBundle = new ConcurrentHashMap<>();

  private HandshakeCheck(Function<SSLContext, RegistryVerifier> verifiers) {
    this.verifiers = verifiers;
    try {
      this.withJvmTrust = verifiers.apply(SSLContext.getDefault());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JVM has no default TLS context", e);
    }
  }

  /**
   * With the JVM's trust store and {@link #TIMEOUT}, to wherever the handshake leads: for
   * ClusterRegistryCredentials, which cluster admins write.
   */
  public static HandshakeCheck standard() {
    return new HandshakeCheck(ssl -> new RegistryVerifier(ssl, TIMEOUT));
  }

  /**
   * As {@link #standard()}, but sending nothing to a registry or token endpoint that is not at a
   * public address unless {@code allowed} lists it: for namespaced RegistryCredentials, whose
   * registry a tenant chooses.
   */
  public static HandshakeCheck publicOnly(AddressRule allowed) {
    return new HandshakeCheck(ssl -> new RegistryVerifier(ssl, TIMEOUT, allowed));
  }

  @Override
  public ServerCheck check(RegistryAuth auth, Optional<String> caBundle) {
    RegistryVerifier verifier;
    try {
      verifier = caBundle.map(this::withBundle).orElse(withJvmTrust);
    } catch (IllegalArgumentException e) {
      // The message names the certificate's position in the bundle, nothing of its content.
      return new ServerCheck(
          auth.server(), Reason.Unreachable, "spec.verification.caBundle: " + e.getMessage());
    }
    Verification verification = verifier.verify(auth);
    return new ServerCheck(auth.server(), reason(verification.outcome()), verification.message());
  }

  private RegistryVerifier withBundle(String pem) {
    if (withBundle.size() >= MAX_BUNDLES) {
      withBundle.clear();
    }
    return withBundle.computeIfAbsent(
        ManagedSecret.sha256(pem), key -> verifiers.apply(RegistryVerifier.sslContextWith(pem)));
  }

  /**
   * A registry that asks no login at {@code /v2/} leaves nothing to prove (its repositories may
   * still want one), nor does one a tenant's credential may not be verified against; an answer no
   * docker client could log in with leaves the credential as unknown as no answer does.
   */
  private static Reason reason(Verification.Outcome outcome) {
    return switch (outcome) {
      case Verified -> Reason.Verified;
      case NotRequired, NotPublic -> Reason.Skipped;
      case Unauthorized -> Reason.Unauthorized;
      case Unreachable, Unexpected -> Reason.Unreachable;
    };
  }
}
