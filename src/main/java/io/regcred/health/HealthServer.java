package io.regcred.health;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.javaoperatorsdk.operator.Operator;
import io.regcred.metrics.OperatorMetrics;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.function.BooleanSupplier;

/**
 * {@code /metrics}: Prometheus text. {@code /healthz}: the process answers. {@code /readyz}: the
 * operator has started and every informer is healthy, so a lost watch takes the pod out of service
 * until it recovers.
 */
public final class HealthServer {

  private final HttpServer server;

  /**
   * @param leading whether this replica holds the Lease (always true without leader election): a
   *     standby has no informers running and is ready as long as it is up, so that rollouts of two
   *     replicas complete
   */
  public HealthServer(
      int port, Operator operator, OperatorMetrics metrics, BooleanSupplier leading) {
    try {
      server = HttpServer.create(new InetSocketAddress(port), 0);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot listen on port " + port, e);
    }
    server.createContext("/healthz", ex -> respond(ex, () -> true));
    server.createContext("/metrics", ex -> metricsPage(ex, metrics));
    server.createContext(
        "/readyz",
        ex ->
            respond(
                ex,
                () ->
                    operator.getRuntimeInfo().isStarted()
                        && (!leading.getAsBoolean()
                            || operator.getRuntimeInfo().allEventSourcesAreHealthy())));
  }

  public void start() {
    server.start();
  }

  public void stop() {
    server.stop(0);
  }

  private static void metricsPage(HttpExchange exchange, OperatorMetrics metrics)
      throws IOException {
    byte[] body = metrics.scrape().getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
    exchange.sendResponseHeaders(200, body.length);
    try (var out = exchange.getResponseBody()) {
      out.write(body);
    }
  }

  private static void respond(HttpExchange exchange, BooleanSupplier check) throws IOException {
    boolean ok;
    try {
      ok = check.getAsBoolean();
    } catch (RuntimeException e) {
      ok = false;
    }
    byte[] body = (ok ? "ok\n" : "not ready\n").getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
    exchange.sendResponseHeaders(ok ? 200 : 503, body.length);
    try (var out = exchange.getResponseBody()) {
      out.write(body);
    }
  }
}
