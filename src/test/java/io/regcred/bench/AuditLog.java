package io.regcred.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The API server's own record of the requests it served: its audit log at level Metadata (who,
 * verb, resource, response code; no bodies), read in windows. {@code apiserver_request_total} has
 * no label for the client or user, so this is how requests are attributed to the operator.
 */
final class AuditLog {

  /**
   * Every request at level Metadata, once it is complete (watches also when they start, so that a
   * watch is counted while it runs).
   */
  static final String POLICY =
      """
      apiVersion: audit.k8s.io/v1
      kind: Policy
      omitStages: ["RequestReceived"]
      rules:
      - level: Metadata
      """;

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Set<String> WRITES =
      Set.of("create", "update", "patch", "delete", "deletecollection");

  /** One request as the API server's authorizer saw it. */
  record Request(String user, String verb, String resource, int code) {
    boolean write() {
      return WRITES.contains(verb);
    }
  }

  /** The requests of one window. */
  record Requests(List<Request> all) {

    Requests of(String user) {
      return new Requests(all.stream().filter(r -> r.user().equals(user)).toList());
    }

    Requests on(Set<String> resources) {
      return new Requests(all.stream().filter(r -> resources.contains(r.resource())).toList());
    }

    long writes() {
      return all.stream().filter(Request::write).count();
    }

    /** Count per "verb resource", failed ones (4xx, 5xx) apart with their code. */
    Map<String, Long> byVerb() {
      Map<String, Long> counts = new TreeMap<>();
      for (Request r : all) {
        String key = r.verb() + " " + r.resource() + (r.code() >= 400 ? " (" + r.code() + ")" : "");
        counts.merge(key, 1L, Long::sum);
      }
      return counts;
    }
  }

  private final Path file;
  private final Set<String> seen = new HashSet<>();
  private long position;

  AuditLog(Path file) {
    this.file = file;
  }

  /**
   * The requests logged since the last call (each once, by audit ID, in the window where it first
   * appears). A line still being written waits for the next call.
   */
  synchronized Requests drain() throws IOException {
    List<Request> requests = new ArrayList<>();
    if (!Files.exists(file)) {
      return new Requests(requests);
    }
    byte[] bytes;
    try (RandomAccessFile in = new RandomAccessFile(file.toFile(), "r")) {
      long length = in.length();
      bytes = new byte[(int) (length - position)];
      in.seek(position);
      in.readFully(bytes);
    }
    int start = 0;
    for (int i = 0; i < bytes.length; i++) {
      if (bytes[i] == '\n') {
        parse(new String(bytes, start, i - start, StandardCharsets.UTF_8), requests);
        start = i + 1;
      }
    }
    position += start;
    return new Requests(requests);
  }

  private void parse(String line, List<Request> into) throws IOException {
    if (line.isBlank()) {
      return;
    }
    JsonNode event = JSON.readTree(line);
    if (!seen.add(event.path("auditID").asText())) {
      return;
    }
    JsonNode ref = event.path("objectRef");
    String resource =
        ref.isMissingNode()
            ? event.path("requestURI").asText().replaceAll("\\?.*", "")
            : ref.path("resource").asText()
                + (ref.hasNonNull("subresource") ? "/" + ref.path("subresource").asText() : "");
    into.add(
        new Request(
            event.path("user").path("username").asText(),
            event.path("verb").asText(),
            resource,
            event.path("responseStatus").path("code").asInt(0)));
  }
}
