package io.regcred.provider.verify;

import io.regcred.model.RegistryAuth;
import io.regcred.model.VerificationResult.ServerCheck;
import java.util.Optional;

/** Proves one registry login with the registry's own handshake: the I/O edge of verification. */
@FunctionalInterface
public interface RegistryCheck {

  /**
   * @param auth the server and login to prove
   * @param caBundle PEM certificates trusted besides the JVM's own, for private registries
   * @return the server's answer; never throws for anything the network or the registry does
   */
  ServerCheck check(RegistryAuth auth, Optional<String> caBundle);
}
