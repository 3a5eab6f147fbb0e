package io.regcred.provider;

import io.fabric8.kubernetes.api.model.Secret;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;

/** A Secret's values decoded to text, from {@code data} (base64) and {@code stringData}. */
public final class SecretData {

  private final Map<String, String> values;

  private SecretData(Map<String, String> values) {
    this.values = values;
  }

  public static SecretData of(Secret secret) {
    Map<String, String> values = new HashMap<>();
    if (secret.getData() != null) {
      secret.getData().forEach((k, v) -> values.put(k, decode(v)));
    }
    if (secret.getStringData() != null) {
      values.putAll(secret.getStringData());
    }
    return new SecretData(values);
  }

  /** Whether the key is present with a non-empty value. */
  public boolean has(String key) {
    String v = values.get(key);
    return v != null && !v.isEmpty();
  }

  public String text(String key) {
    return values.get(key);
  }

  private static String decode(String base64) {
    return base64 == null
        ? null
        : new String(Base64.getDecoder().decode(base64), StandardCharsets.UTF_8);
  }

  @Override
  public String toString() {
    return "SecretData[keys=" + values.keySet() + "]";
  }
}
