package io.regcred.provider.acr;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The Azure Instance Metadata Service's managed identity endpoint, plain HTTP as on a VM: {@code
 * GET /metadata/identity/oauth2/token?api-version=...&resource=...[&client_id=...]} with the header
 * {@code Metadata: true}. It answers as IMDS does on a node that has no managed identity assigned
 * (or not the one asked for): 400 with {@code {"error":"invalid_request","error_description":
 * "Identity not found"}}; without the header, 400 with the error IMDS gives for that.
 */
final class FakeImds implements AutoCloseable {

  static final String TOKEN_PATH = "/metadata/identity/oauth2/token";

  private final HttpServer server;
  private final List<String> tokenRequests = new CopyOnWriteArrayList<>();
  private final List<String> unknownRequests = new CopyOnWriteArrayList<>();

  FakeImds() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/", this::handle);
    server.start();
  }

  /** What MSAL4J takes as {@code AZURE_POD_IDENTITY_AUTHORITY_HOST}. */
  URI uri() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
  }

  /** The query strings of the token requests, in order. */
  List<String> tokenRequests() {
    return List.copyOf(tokenRequests);
  }

  /** Requests to other paths, as "METHOD uri". */
  List<String> unknownRequests() {
    return List.copyOf(unknownRequests);
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      // MSAL4J joins AZURE_POD_IDENTITY_AUTHORITY_HOST and the path with a second slash, which
      // java.net.URI then reads as an authority: match on the raw request target.
      String path = exchange.getRequestURI().toString().split("\\?", 2)[0].replaceFirst("^/+", "/");
      if (!"GET".equals(exchange.getRequestMethod()) || !path.equals(TOKEN_PATH)) {
        unknownRequests.add(exchange.getRequestMethod() + " " + exchange.getRequestURI());
        FakeEntra.send(exchange, 404, "{\"error\":\"not_found\"}");
        return;
      }
      tokenRequests.add(exchange.getRequestURI().getQuery());
      if (!"true".equals(exchange.getRequestHeaders().getFirst("Metadata"))) {
        FakeEntra.send(
            exchange,
            400,
            "{\"error\":\"invalid_request\",\"error_description\":\"Required metadata header not"
                + " specified\"}");
        return;
      }
      FakeEntra.send(
          exchange,
          400,
          "{\"error\":\"invalid_request\",\"error_description\":\"Identity not found\"}");
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
