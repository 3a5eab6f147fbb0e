package io.regcred.provider;

import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import javax.net.ssl.SSLContext;

/**
 * How providers reach cloud endpoints: the TLS trust to use and a timeout for each call. The
 * defaults are the JVM's trust store and 30 seconds; tests pass a context that trusts their local
 * fakes.
 */
public record ProviderHttp(SSLContext sslContext, Duration timeout) {

  public static ProviderHttp defaults() {
    try {
      return new ProviderHttp(SSLContext.getDefault(), Duration.ofSeconds(30));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JVM has no default TLS context", e);
    }
  }
}
