package io.regcred.provider.verify;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.regcred.provider.TestTls;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A registry or token endpoint on 127.0.0.1 whose answers a test scripts path by path; it records
 * every request with its {@code Authorization} header, so a test can tell where a credential went.
 * Unscripted paths answer 404.
 */
final class ScriptedServer implements AutoCloseable {

  /** One request as received. */
  record Request(String method, String uri, String authorization) {}

  /** The answer to one exchange. */
  interface Script {
    void answer(HttpExchange exchange) throws IOException;
  }

  private final HttpServer server;
  private final String scheme;
  private final ExecutorService executor = Executors.newCachedThreadPool();
  private final Map<String, Script> scripts = new ConcurrentHashMap<>();
  private final List<Request> requests = new CopyOnWriteArrayList<>();

  private ScriptedServer(HttpServer server, String scheme) {
    this.server = server;
    this.scheme = scheme;
    server.createContext("/", this::handle);
    server.setExecutor(executor);
    server.start();
  }

  /** HTTPS with the {@link TestTls} certificate. */
  static ScriptedServer https() throws IOException {
    return new ScriptedServer(TestTls.get().newServer(), "https");
  }

  static ScriptedServer http() throws IOException {
    return new ScriptedServer(HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0), "http");
  }

  ScriptedServer on(String path, Script script) {
    scripts.put(path, script);
    return this;
  }

  /** {@code 127.0.0.1:<port>}. */
  String hostPort() {
    return "127.0.0.1:" + server.getAddress().getPort();
  }

  String url(String path) {
    return scheme + "://" + hostPort() + path;
  }

  List<Request> requests() {
    return List.copyOf(requests);
  }

  /** The requests that carried an {@code Authorization} header. */
  List<Request> authorized() {
    return requests.stream().filter(r -> r.authorization() != null).toList();
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      requests.add(
          new Request(
              exchange.getRequestMethod(),
              exchange.getRequestURI().toString(),
              exchange.getRequestHeaders().getFirst("Authorization")));
      Script script = scripts.get(exchange.getRequestURI().getPath());
      if (script == null) {
        reply(exchange, 404, Map.of(), "{\"errors\":[{\"code\":\"NOT_FOUND\"}]}");
      } else {
        script.answer(exchange);
      }
    }
  }

  /** Sends {@code status} with {@code headers} and a JSON {@code body}. */
  static void reply(HttpExchange exchange, int status, Map<String, String> headers, String body)
      throws IOException {
    headers.forEach(exchange.getResponseHeaders()::add);
    exchange.getResponseHeaders().set("Content-Type", "application/json");
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }
}
