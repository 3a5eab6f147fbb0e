package io.regcred.provider;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/** Source Secrets held in a map, as the source namespace would hold them, for provider tests. */
public final class InMemorySecrets implements SourceSecrets {

  private final Map<String, Secret> byName = new HashMap<>();

  @Override
  public String namespace() {
    return "regcred-system";
  }

  @Override
  public Optional<Secret> get(String name) {
    return Optional.ofNullable(byName.get(name));
  }

  /** Stores the Secret as it is. */
  public void put(Secret secret) {
    byName.put(secret.getMetadata().getName(), secret);
  }

  /** Stores a Secret whose data are these values (base64-encoded as the API server would). */
  public void put(String name, Map<String, String> data) {
    Map<String, String> encoded = new HashMap<>();
    data.forEach(
        (k, v) ->
            encoded.put(k, Base64.getEncoder().encodeToString(v.getBytes(StandardCharsets.UTF_8))));
    byName.put(
        name,
        new SecretBuilder()
            .withMetadata(new ObjectMetaBuilder().withName(name).withNamespace(namespace()).build())
            .withData(encoded)
            .build());
  }
}
