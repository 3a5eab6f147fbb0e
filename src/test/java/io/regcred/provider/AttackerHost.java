package io.regcred.provider;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A host an attacker controls, on 127.0.0.1: it records every request (method, path, headers and
 * body) and answers 200 with an empty JSON object. Courier tests point a crafted spec or key.json
 * at it and assert that it received nothing.
 */
public final class AttackerHost implements AutoCloseable {

  /** One request as received. */
  public record Request(String method, String path, String headers, String body) {}

  private final HttpServer server;
  private final ExecutorService executor = Executors.newCachedThreadPool();
  private final String scheme;
  private final List<Request> requests = new CopyOnWriteArrayList<>();

  private AttackerHost(HttpServer server, String scheme) {
    this.server = server;
    this.scheme = scheme;
    server.createContext("/", this::handle);
    server.setExecutor(executor);
    server.start();
  }

  /** Plain HTTP. */
  public static AttackerHost http() throws IOException {
    return new AttackerHost(HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0), "http");
  }

  /** HTTPS with the {@link TestTls} certificate, which the providers under test trust. */
  public static AttackerHost https() throws IOException {
    return new AttackerHost(TestTls.get().newServer(), "https");
  }

  /** {@code 127.0.0.1:<port>}. */
  public String hostPort() {
    return "127.0.0.1:" + server.getAddress().getPort();
  }

  /** {@code http(s)://127.0.0.1:<port>} followed by {@code path}. */
  public String url(String path) {
    return scheme + "://" + hostPort() + path;
  }

  public List<Request> requests() {
    return List.copyOf(requests);
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      byte[] body = exchange.getRequestBody().readAllBytes();
      requests.add(
          new Request(
              exchange.getRequestMethod(),
              exchange.getRequestURI().toString(),
              exchange.getRequestHeaders().toString(),
              new String(body, StandardCharsets.UTF_8)));
      byte[] answer = "{}".getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().set("Content-Type", "application/json");
      exchange.sendResponseHeaders(200, answer.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(answer);
      }
    }
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }
}
