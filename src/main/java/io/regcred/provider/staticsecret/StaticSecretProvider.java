package io.regcred.provider.staticsecret;

import io.fabric8.kubernetes.api.model.Secret;
import io.regcred.api.v1alpha1.Source;
import io.regcred.api.v1alpha1.StaticSource;
import io.regcred.model.DockerConfigJson;
import io.regcred.model.DockerConfigJson.InvalidDockerConfig;
import io.regcred.model.Reason;
import io.regcred.model.RegistryAuth;
import io.regcred.model.RegistryToken;
import io.regcred.provider.RegistryHosts;
import io.regcred.provider.SecretData;
import io.regcred.provider.SourceException;
import io.regcred.provider.SourceSecrets;
import io.regcred.provider.TokenProvider;
import java.time.Clock;
import java.util.List;
import java.util.Optional;

/**
 * Static credentials from a Secret in the source namespace: a {@code .dockerconfigjson}, a legacy
 * {@code .dockercfg}, or {@code username} and {@code password} (as in {@code
 * kubernetes.io/basic-auth} Secrets) for {@code spec.source.static.server}.
 */
public final class StaticSecretProvider implements TokenProvider {

  /** The server kubectl writes when none is given. */
  public static final String DEFAULT_SERVER = "https://index.docker.io/v1/";

  private final SourceSecrets secrets;
  private final Clock clock;

  public StaticSecretProvider(SourceSecrets secrets, Clock clock) {
    this.secrets = secrets;
    this.clock = clock;
  }

  @Override
  public boolean supports(Source source) {
    return source.getStaticSource() != null;
  }

  @Override
  public RegistryToken fetch(Source source) throws SourceException {
    StaticSource spec = source.getStaticSource();
    Optional<String> badServer = RegistryHosts.staticServerProblem(spec.getServer());
    if (badServer.isPresent()) {
      throw new SourceException(Reason.InvalidSpec, badServer.get());
    }
    String name = spec.getSecretRef().getName();
    String where = "Secret " + secrets.namespace() + "/" + name;
    Secret secret =
        secrets
            .get(name)
            .orElseThrow(
                () -> new SourceException(Reason.SourceSecretNotFound, where + " not found"));
    return RegistryToken.permanent(auths(secret, spec, where), clock.instant());
  }

  private static List<RegistryAuth> auths(Secret secret, StaticSource spec, String where)
      throws SourceException {
    SecretData data = SecretData.of(secret);
    try {
      if (data.has(DockerConfigJson.KEY)) {
        return DockerConfigJson.parse(data.text(DockerConfigJson.KEY), false);
      }
      if (data.has(DockerConfigJson.LEGACY_KEY)) {
        return DockerConfigJson.parse(data.text(DockerConfigJson.LEGACY_KEY), true);
      }
    } catch (InvalidDockerConfig e) {
      throw new SourceException(
          Reason.SourceSecretInvalid, where + ": docker config " + e.getMessage());
    }
    if (data.has("username") && data.has("password")) {
      String server =
          spec.getServer() == null || spec.getServer().isBlank()
              ? DEFAULT_SERVER
              : spec.getServer();
      String email = data.has("email") ? data.text("email") : null;
      return List.of(new RegistryAuth(server, data.text("username"), data.text("password"), email));
    }
    throw new SourceException(
        Reason.SourceSecretInvalid,
        where + " has neither " + DockerConfigJson.KEY + " nor username and password keys");
  }
}
