package io.regcred.it;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.http.AsyncBody;
import io.fabric8.kubernetes.client.http.BasicBuilder;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.HttpResponse;
import io.fabric8.kubernetes.client.http.Interceptor;
import java.net.URI;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Records, as the API server's authorizer sees them, the requests a Kubernetes client makes: verb,
 * API group, resource (with subresource) and namespace, and which of them were refused with 403.
 * Installed as an interceptor on the operator's own client, it tells which RBAC grants the code
 * actually exercises.
 */
public final class ApiRequestLog implements Interceptor {

  /** One authorization check: {@code namespace} is null for cluster-scoped resources. */
  public record Request(String verb, String group, String resource, String namespace) {
    @Override
    public String toString() {
      return verb
          + " "
          + resource
          + (group.isEmpty() ? "" : "." + group)
          + (namespace == null ? "" : " -n " + namespace);
    }
  }

  private final Set<Request> made = ConcurrentHashMap.newKeySet();
  private final List<Request> sent = new CopyOnWriteArrayList<>();
  private final Set<Request> forbidden = ConcurrentHashMap.newKeySet();

  Set<Request> made() {
    return Set.copyOf(made);
  }

  Set<Request> forbidden() {
    return Set.copyOf(forbidden);
  }

  /** Every request, in the order sent. */
  public List<Request> sent() {
    return List.copyOf(sent);
  }

  /** A client for this configuration whose requests this log records. */
  public KubernetesClient client(Config config) {
    return new KubernetesClientBuilder()
        .withConfig(config)
        .withHttpClientBuilderConsumer(b -> b.addOrReplaceInterceptor("request-log", this))
        .build();
  }

  @Override
  public void before(BasicBuilder builder, HttpRequest request, RequestTags tags) {
    parse(request.method(), request.uri())
        .ifPresent(
            r -> {
              made.add(r);
              sent.add(r);
            });
  }

  @Override
  public void after(
      HttpRequest request,
      HttpResponse<?> response,
      AsyncBody.Consumer<List<ByteBuffer>> consumer) {
    if (response.code() == 403) {
      parse(request.method(), request.uri()).ifPresent(forbidden::add);
    }
  }

  /**
   * The resource attributes of a request path, as kube-apiserver's request-info resolver derives
   * them; empty for non-resource URLs (discovery, /version), which every authenticated user may
   * read.
   */
  static Optional<Request> parse(String method, URI uri) {
    List<String> parts = Arrays.stream(uri.getPath().split("/")).filter(s -> !s.isEmpty()).toList();
    String group;
    List<String> rest;
    if (parts.size() >= 2 && parts.get(0).equals("api")) {
      group = "";
      rest = parts.subList(2, parts.size());
    } else if (parts.size() >= 3 && parts.get(0).equals("apis")) {
      group = parts.get(1);
      rest = parts.subList(3, parts.size());
    } else {
      return Optional.empty();
    }
    if (rest.isEmpty()) {
      return Optional.empty();
    }
    // /namespaces/{ns}/{resource}... is namespaced; /namespaces, /namespaces/{name} and its
    // status and finalize subresources are the Namespace objects themselves.
    boolean namespaceObject =
        group.isEmpty()
            && rest.get(0).equals("namespaces")
            && (rest.size() <= 2 || Set.of("status", "finalize").contains(rest.get(2)));
    String namespace = null;
    if (rest.get(0).equals("namespaces") && rest.size() >= 3 && !namespaceObject) {
      namespace = rest.get(1);
      rest = rest.subList(2, rest.size());
    }
    String resource = rest.get(0) + (rest.size() >= 3 ? "/" + rest.get(2) : "");
    boolean named = rest.size() >= 2;
    String query = uri.getRawQuery() == null ? "" : uri.getRawQuery();
    String verb =
        switch (method) {
          case "GET" -> named ? "get" : query.contains("watch=true") ? "watch" : "list";
          case "POST" -> "create";
          case "PUT" -> "update";
          case "PATCH" -> "patch";
          case "DELETE" -> named ? "delete" : "deletecollection";
          default -> method.toLowerCase();
        };
    return Optional.of(new Request(verb, group, resource, namespace));
  }
}
