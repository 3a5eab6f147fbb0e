package io.regcred.provider.gar;

import java.nio.file.Path;
import java.util.List;

/**
 * What the Artifact Registry provider takes from the operator's environment: which subject-token
 * sources an external-account {@code key.json} may name. Both lists are empty by default, so a
 * Secret cannot make the operator read a local file or fetch a URL unless the operator's
 * administrator listed exactly that file or URL. Parsed from the environment by {@link
 * io.regcred.config.OperatorConfig}.
 *
 * @param allowedCredentialUrls {@code REGCRED_GAR_ALLOWED_CREDENTIAL_URLS}: exact {@code
 *     credential_source.url} values
 * @param allowedCredentialFiles {@code REGCRED_GAR_ALLOWED_CREDENTIAL_FILES}: absolute, normalised
 *     {@code credential_source.file} paths
 */
public record GarSettings(List<String> allowedCredentialUrls, List<Path> allowedCredentialFiles) {

  public GarSettings {
    allowedCredentialUrls = List.copyOf(allowedCredentialUrls);
    allowedCredentialFiles = List.copyOf(allowedCredentialFiles);
  }

  /** Nothing allowed: external accounts need a file or URL, so only service-account keys work. */
  public static GarSettings none() {
    return new GarSettings(List.of(), List.of());
  }
}
