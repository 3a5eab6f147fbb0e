package io.regcred.provider.gar;

import java.net.URI;
import java.util.Objects;
import java.util.Set;

/**
 * The Google endpoints a {@code key.json} may name. Production pins Google's own ({@link
 * #google()}); tests construct the provider with their local fake's. Nothing in a
 * ClusterRegistryCredential or a source Secret can change them: a key.json only ever chooses among
 * these.
 *
 * @param oauth2TokenUris accepted {@code token_uri} values of service-account keys
 * @param stsTokenUrls accepted {@code token_url} values of external accounts
 * @param stsTokenInfoUrls accepted {@code token_info_url} values of external accounts
 * @param iamCredentials the origin ({@code https://host[:port]}) of {@code
 *     service_account_impersonation_url}
 */
public record GoogleEndpoints(
    Set<String> oauth2TokenUris,
    Set<String> stsTokenUrls,
    Set<String> stsTokenInfoUrls,
    URI iamCredentials) {

  /** google-auth-library's default, written into every key made since 2019. */
  public static final String OAUTH2_TOKEN_URI = "https://oauth2.googleapis.com/token";

  /** The token URI of keys made before 2019; the same Google token service. */
  public static final String LEGACY_OAUTH2_TOKEN_URI = "https://accounts.google.com/o/oauth2/token";

  /**
   * google-auth-library's {@code ExternalAccountCredentials.DEFAULT_TOKEN_URL} for googleapis.com.
   */
  public static final String STS_TOKEN_URL = "https://sts.googleapis.com/v1/token";

  /** The same STS host under the API version of the preview, found in older configurations. */
  public static final String STS_V1BETA_TOKEN_URL = "https://sts.googleapis.com/v1beta/token";

  public static final String STS_TOKEN_INFO_URL = "https://sts.googleapis.com/v1/introspect";
  public static final String STS_V1BETA_TOKEN_INFO_URL =
      "https://sts.googleapis.com/v1beta/introspect";
  public static final URI IAM_CREDENTIALS = URI.create("https://iamcredentials.googleapis.com");

  public GoogleEndpoints {
    oauth2TokenUris = Set.copyOf(oauth2TokenUris);
    stsTokenUrls = Set.copyOf(stsTokenUrls);
    stsTokenInfoUrls = Set.copyOf(stsTokenInfoUrls);
    Objects.requireNonNull(iamCredentials, "iamCredentials");
  }

  /**
   * The STS endpoint the operator calls for a tenant's federation, where no key.json chooses one:
   * Google's v1 endpoint when listed, else the first listed.
   */
  public String stsTokenUrl() {
    if (stsTokenUrls.contains(STS_TOKEN_URL)) {
      return STS_TOKEN_URL;
    }
    return stsTokenUrls.stream()
        .sorted()
        .findFirst()
        .orElseThrow(() -> new IllegalStateException("no STS token URL is configured"));
  }

  /** Google's public endpoints. */
  public static GoogleEndpoints google() {
    return new GoogleEndpoints(
        Set.of(OAUTH2_TOKEN_URI, LEGACY_OAUTH2_TOKEN_URI),
        Set.of(STS_TOKEN_URL, STS_V1BETA_TOKEN_URL),
        Set.of(STS_TOKEN_INFO_URL, STS_V1BETA_TOKEN_INFO_URL),
        IAM_CREDENTIALS);
  }
}
