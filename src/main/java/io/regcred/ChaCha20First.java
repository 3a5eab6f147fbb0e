package io.regcred;

import com.sun.management.HotSpotDiagnosticMXBean;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.DelegatingSslContext;
import io.netty.handler.ssl.SslContext;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.net.JdkSSLEngineOptions;
import io.vertx.core.net.SSLEngineOptions;
import io.vertx.core.spi.tls.SslContextFactory;
import java.lang.management.ManagementFactory;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.TrustManagerFactory;

/**
 * Offers ChaCha20-Poly1305 first on the operator's TLS connections to the API server, when the JVM
 * runs only its quick compiler (the payload's launcher says so, for memory and start-up).
 *
 * <p>Why: the quick compiler has no intrinsics for AES-GCM, so the JDK encrypts it in plain Java
 * (27–42 MB/s measured here); ChaCha20-Poly1305 in plain Java runs at 122–188 MB/s (at N = 5,000
 * namespaces this cut the operator's CPU per namespace by an eighth, docs/benchmarks.md). Netty's
 * default client cipher list (which fabric8's Vert.x client uses, with no hook to change it) has no
 * ChaCha20, so the API server picks AES-GCM; Go's TLS server picks ChaCha20-Poly1305 when it is the
 * client's first choice. With the optimising compiler, AES-GCM has hardware intrinsics and is the
 * faster one, so the order is left as it is.
 *
 * <p>How: the only place fabric8 (7.5) lets one reach the TLS engine is the {@link Vertx} it is
 * given: its {@code createHttpClient(options)} is wrapped so that the options' TLS engine factory
 * reorders the suites of each engine it makes. The suites offered are the same, only their order
 * changes.
 */
final class ChaCha20First {

  /** ChaCha20-Poly1305 suites: TLS 1.3's, then TLS 1.2's (both with forward secrecy). */
  static final List<String> SUITES =
      List.of(
          "TLS_CHACHA20_POLY1305_SHA256",
          "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
          "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256");

  /** The compilation tier of the optimising compiler (C2). */
  private static final int OPTIMISING_TIER = 4;

  private ChaCha20First() {}

  /**
   * The cipher suites to enable, in order: the ChaCha20-Poly1305 suites the engine supports, then
   * those already enabled, in their order.
   */
  static List<String> order(List<String> enabled, Set<String> supported) {
    List<String> order = new ArrayList<>();
    SUITES.stream().filter(supported::contains).forEach(order::add);
    enabled.stream().filter(s -> !order.contains(s)).forEach(order::add);
    return order;
  }

  /** Whether ChaCha20 is the faster cipher on a JVM that compiles up to this tier. */
  static boolean preferred(int tieredStopAtLevel) {
    return tieredStopAtLevel < OPTIMISING_TIER;
  }

  /** This Vert.x, or one whose HTTP clients offer ChaCha20 first when this JVM prefers it. */
  static Vertx whereFaster(Vertx vertx) {
    String level =
        ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class)
            .getVMOption("TieredStopAtLevel")
            .getValue();
    return preferred(Integer.parseInt(level)) ? wrap(vertx) : vertx;
  }

  /** A Vert.x that is this one, except that its HTTP clients offer ChaCha20 first. */
  static Vertx wrap(Vertx vertx) {
    InvocationHandler handler =
        (proxy, method, args) -> {
          if (isCreateHttpClient(method)) {
            args[0] = withChaCha20First((HttpClientOptions) args[0]);
          }
          try {
            return method.invoke(vertx, args);
          } catch (InvocationTargetException e) {
            throw e.getCause();
          }
        };
    return (Vertx)
        Proxy.newProxyInstance(
            Vertx.class.getClassLoader(), vertx.getClass().getInterfaces(), handler);
  }

  private static boolean isCreateHttpClient(Method method) {
    return method.getName().equals("createHttpClient")
        && method.getParameterCount() > 0
        && method.getParameterTypes()[0] == HttpClientOptions.class;
  }

  private static HttpClientOptions withChaCha20First(HttpClientOptions options) {
    SSLEngineOptions engines = options.getSslEngineOptions();
    // fabric8 sets JDK engine options of its own; others (OpenSSL's) are left as they are.
    if (!(engines instanceof JdkSSLEngineOptions jdk) || engines instanceof Engines) {
      return options;
    }
    // A copy: the caller's options stay as they were.
    return new HttpClientOptions(options).setSslEngineOptions(new Engines(jdk));
  }

  /** The engine options given, whose contexts put ChaCha20 first on every engine. */
  private static final class Engines extends JdkSSLEngineOptions {
    private final JdkSSLEngineOptions given;

    Engines(JdkSSLEngineOptions given) {
      this.given = given;
      setUseWorkerThread(given.getUseWorkerThread());
      setPooledHeapBuffers(given.isPooledHeapBuffers());
    }

    @Override
    public JdkSSLEngineOptions copy() {
      return new Engines(given.copy());
    }

    @Override
    public SslContextFactory sslContextFactory() {
      return new Contexts(given.sslContextFactory());
    }
  }

  /** The given factory, each context it makes wrapped; its settings pass through. */
  private static final class Contexts implements SslContextFactory {
    private SslContextFactory given;

    Contexts(SslContextFactory given) {
      this.given = given;
    }

    @Override
    public SslContextFactory useAlpn(boolean useAlpn) {
      given = given.useAlpn(useAlpn);
      return this;
    }

    @Override
    public SslContextFactory clientAuth(ClientAuth clientAuth) {
      given = given.clientAuth(clientAuth);
      return this;
    }

    @Override
    public SslContextFactory forClient(boolean forClient) {
      given = given.forClient(forClient);
      return this;
    }

    @Override
    public SslContextFactory keyMananagerFactory(KeyManagerFactory factory) {
      given = given.keyMananagerFactory(factory);
      return this;
    }

    @Override
    public SslContextFactory trustManagerFactory(TrustManagerFactory factory) {
      given = given.trustManagerFactory(factory);
      return this;
    }

    @Override
    public SslContextFactory enabledCipherSuites(Set<String> suites) {
      given = given.enabledCipherSuites(suites);
      return this;
    }

    @Override
    public SslContextFactory applicationProtocols(List<String> protocols) {
      given = given.applicationProtocols(protocols);
      return this;
    }

    @Override
    public SslContextFactory serverName(String serverName) {
      given = given.serverName(serverName);
      return this;
    }

    @Override
    public SslContext create() throws SSLException {
      return new DelegatingSslContext(given.create()) {
        @Override
        protected void initEngine(SSLEngine engine) {
          engine.setEnabledCipherSuites(
              // copyOf: a provider's list with a name twice must not fail the connection.
              order(
                      List.of(engine.getEnabledCipherSuites()),
                      Set.copyOf(Arrays.asList(engine.getSupportedCipherSuites())))
                  .toArray(String[]::new));
        }
      };
    }
  }
}
