package io.regcred.provider.tenant;

import io.regcred.model.Reason;
import io.regcred.model.TenantIdentity;
import io.regcred.provider.Causes;
import io.regcred.provider.SourceException;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * The ServiceAccount token supplier handed to a cloud SDK, remembering why it failed: SDKs wrap a
 * supplier's exception in their own (or drop its cause), so the provider asks this instead of
 * reading the SDK's failure.
 */
public final class TenantTokenSupplier implements Supplier<String> {

  private final Supplier<String> tokens;
  private final AtomicReference<SourceException> failure = new AtomicReference<>();

  private TenantTokenSupplier(Supplier<String> tokens) {
    this.tokens = tokens;
  }

  /**
   * The supplier of tokens for {@code identity}, once its fields are known to be usable: nothing is
   * asked of the API server or the cloud for an identity the tenant may not name.
   */
  public static TenantTokenSupplier of(TenantIdentity identity, Supplier<String> tokens)
      throws SourceException {
    Optional<String> problem = identity.problem();
    if (problem.isPresent()) {
      throw new SourceException(Reason.InvalidSpec, problem.get());
    }
    return new TenantTokenSupplier(tokens);
  }

  @Override
  public String get() {
    String token;
    try {
      token = tokens.get();
    } catch (RuntimeException e) {
      ServiceAccountTokenException known = Causes.find(e, ServiceAccountTokenException.class);
      failure.compareAndSet(
          null,
          known != null
              ? known.reason()
              : new SourceException(
                  Reason.CredentialUnavailable,
                  "the ServiceAccount token could not be had ("
                      + e.getClass().getSimpleName()
                      + ")"));
      throw e;
    }
    if (token == null || token.isBlank()) {
      SourceException empty =
          new SourceException(Reason.CredentialUnavailable, "the ServiceAccount token is empty");
      failure.compareAndSet(null, empty);
      throw new ServiceAccountTokenException(empty);
    }
    return token;
  }

  /** Why a token could not be had, if that is why the SDK failed. */
  public Optional<SourceException> failure() {
    return Optional.ofNullable(failure.get());
  }
}
