package io.regcred.model;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * The {@code .dockerconfigjson} format: rendered exactly as {@code kubectl create secret
 * docker-registry} writes it, and parsed leniently from user-provided Secrets.
 */
public final class DockerConfigJson {

  /** Secret type of a docker config JSON pull secret. */
  public static final String SECRET_TYPE = "kubernetes.io/dockerconfigjson";

  public static final String KEY = ".dockerconfigjson";

  /** Legacy {@code kubernetes.io/dockercfg} key: the same entries without the auths wrapper. */
  public static final String LEGACY_KEY = ".dockercfg";

  private static final ObjectMapper JSON = new ObjectMapper();

  private DockerConfigJson() {}

  /**
   * Renders {@code {"auths":{server:{username,password,[email],auth}}}} in server order. {@code
   * auth} is always written: some clients (containers-image, skopeo) read only that field.
   */
  public static String render(List<RegistryAuth> auths) {
    ObjectNode root = JSON.createObjectNode();
    ObjectNode entries = root.putObject("auths");
    for (RegistryAuth a : auths) {
      ObjectNode entry = entries.putObject(a.server());
      entry.put("username", a.username());
      entry.put("password", a.password());
      if (a.email() != null && !a.email().isEmpty()) {
        entry.put("email", a.email());
      }
      entry.put("auth", basicAuth(a.username(), a.password()));
    }
    try {
      return JSON.writeValueAsString(root);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot render docker config JSON", e);
    }
  }

  /** {@code base64(username:password)}, the value of the {@code auth} field. */
  public static String basicAuth(String username, String password) {
    return Base64.getEncoder()
        .encodeToString((username + ":" + password).getBytes(StandardCharsets.UTF_8));
  }

  /**
   * Reads the registry logins from a docker config ({@code legacy} for the {@code .dockercfg}
   * layout without the {@code auths} wrapper). Entries with only {@code auth}, or only {@code
   * username} and {@code password}, are completed. Error messages name the problem and the server,
   * never a value.
   */
  public static List<RegistryAuth> parse(String json, boolean legacy) throws InvalidDockerConfig {
    JsonNode root;
    try {
      root = JSON.readTree(json);
    } catch (JsonProcessingException e) {
      var where = e.getLocation();
      throw new InvalidDockerConfig(
          "is not valid JSON"
              + (where == null
                  ? ""
                  : " (line " + where.getLineNr() + ", column " + where.getColumnNr() + ")"));
    }
    JsonNode entries = legacy ? root : root == null ? null : root.get("auths");
    if (entries == null || !entries.isObject() || entries.isEmpty()) {
      throw new InvalidDockerConfig(
          legacy ? "has no registry entries" : "has no \"auths\" entries");
    }
    List<RegistryAuth> result = new ArrayList<>();
    Iterator<Map.Entry<String, JsonNode>> it = entries.fields();
    while (it.hasNext()) {
      var e = it.next();
      result.add(entry(e.getKey(), e.getValue()));
    }
    return result;
  }

  private static RegistryAuth entry(String server, JsonNode node) throws InvalidDockerConfig {
    if (!node.isObject()) {
      throw new InvalidDockerConfig("entry for " + server + " is not an object");
    }
    String username = text(node, "username");
    String password = text(node, "password");
    String email = text(node, "email");
    String auth = text(node, "auth");
    if ((username == null || password == null) && auth != null) {
      String decoded;
      try {
        decoded = new String(Base64.getDecoder().decode(auth), StandardCharsets.UTF_8);
      } catch (IllegalArgumentException e) {
        throw new InvalidDockerConfig(
            "entry for " + server + " has an \"auth\" that is not base64");
      }
      int colon = decoded.indexOf(':');
      if (colon < 0) {
        throw new InvalidDockerConfig(
            "entry for " + server + " has an \"auth\" without user:password");
      }
      username = decoded.substring(0, colon);
      password = decoded.substring(colon + 1);
    }
    if (username == null || password == null) {
      throw new InvalidDockerConfig(
          "entry for " + server + " has neither username/password nor auth");
    }
    return new RegistryAuth(server, username, password, email);
  }

  private static String text(JsonNode node, String field) {
    JsonNode value = node.get(field);
    return value == null || value.isNull() || value.asText().isEmpty() ? null : value.asText();
  }

  /** A docker config that cannot be used; the message never contains a credential. */
  public static final class InvalidDockerConfig extends Exception {
    public InvalidDockerConfig(String message) {
      super(message, null, false, false);
    }
  }
}
