package io.regcred.model;

import java.util.Objects;

/**
 * Login for one registry server. {@link #toString()} never shows the password, so the value is safe
 * in logs and exception messages.
 */
public record RegistryAuth(String server, String username, String password, String email) {

  public RegistryAuth {
    Objects.requireNonNull(server, "server");
    Objects.requireNonNull(username, "username");
    Objects.requireNonNull(password, "password");
  }

  public RegistryAuth(String server, String username, String password) {
    this(server, username, password, null);
  }

  @Override
  public String toString() {
    return "RegistryAuth[server=" + server + ", username=" + username + ", password=<redacted>]";
  }
}
