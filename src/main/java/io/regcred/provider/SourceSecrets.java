package io.regcred.provider;

import io.fabric8.kubernetes.api.model.Secret;
import java.util.Optional;

/** Reads Secrets from the operator's source namespace, and from nowhere else. */
public interface SourceSecrets {

  /** The source namespace, for messages. */
  String namespace();

  Optional<Secret> get(String name);
}
