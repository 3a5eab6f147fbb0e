package io.regcred.provider.tenant;

import io.regcred.provider.SourceException;

/**
 * A ServiceAccount token could not be had inside a cloud SDK's token supplier, which may throw only
 * unchecked exceptions. Carries the reason up to the provider, which reports it instead of the
 * SDK's wrapping.
 */
public final class ServiceAccountTokenException extends RuntimeException {

  private final SourceException reason;

  public ServiceAccountTokenException(SourceException reason) {
    super(reason.getMessage(), reason, false, false);
    this.reason = reason;
  }

  public SourceException reason() {
    return reason;
  }
}
