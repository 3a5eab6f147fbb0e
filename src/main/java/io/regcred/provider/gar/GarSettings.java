package io.regcred.provider.gar;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * What the Artifact Registry provider takes from the operator's environment: which subject-token
 * sources an external-account {@code key.json} may name. Both lists are empty by default, so a
 * Secret cannot make the operator read a local file or fetch a URL unless the operator's
 * administrator listed exactly that file or URL.
 *
 * @param allowedCredentialUrls {@value #ALLOWED_CREDENTIAL_URLS_ENV}: exact {@code
 *     credential_source.url} values
 * @param allowedCredentialFiles {@value #ALLOWED_CREDENTIAL_FILES_ENV}: absolute, normalised {@code
 *     credential_source.file} paths
 */
public record GarSettings(List<String> allowedCredentialUrls, List<Path> allowedCredentialFiles) {

  public static final String ALLOWED_CREDENTIAL_URLS_ENV = "REGCRED_GAR_ALLOWED_CREDENTIAL_URLS";
  public static final String ALLOWED_CREDENTIAL_FILES_ENV = "REGCRED_GAR_ALLOWED_CREDENTIAL_FILES";

  public GarSettings {
    allowedCredentialUrls = List.copyOf(allowedCredentialUrls);
    allowedCredentialFiles = List.copyOf(allowedCredentialFiles);
  }

  /** Nothing allowed: external accounts need a file or URL, so only service-account keys work. */
  public static GarSettings none() {
    return new GarSettings(List.of(), List.of());
  }

  /**
   * Reads the comma-separated lists {@value #ALLOWED_CREDENTIAL_URLS_ENV} and {@value
   * #ALLOWED_CREDENTIAL_FILES_ENV}; unset or blank means none.
   *
   * @throws IllegalArgumentException when a URL is not an absolute http or https URL without user
   *     info or fragment, or a path is not absolute and normalised
   */
  public static GarSettings fromEnv(Map<String, String> env) {
    List<String> urls = new ArrayList<>();
    for (String value : items(env.get(ALLOWED_CREDENTIAL_URLS_ENV))) {
      urls.add(url(value));
    }
    List<Path> files = new ArrayList<>();
    for (String value : items(env.get(ALLOWED_CREDENTIAL_FILES_ENV))) {
      files.add(file(value));
    }
    return new GarSettings(urls, files);
  }

  private static List<String> items(String list) {
    if (list == null || list.isBlank()) {
      return List.of();
    }
    return Arrays.stream(list.split(",")).map(String::strip).filter(s -> !s.isEmpty()).toList();
  }

  private static String url(String value) {
    URI uri;
    try {
      uri = new URI(value);
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException(
          ALLOWED_CREDENTIAL_URLS_ENV + " holds a value that is not a valid URL: " + e.getReason());
    }
    String scheme = uri.getScheme();
    if (!("http".equals(scheme) || "https".equals(scheme))
        || uri.getHost() == null
        || uri.getRawUserInfo() != null
        || uri.getRawFragment() != null) {
      throw new IllegalArgumentException(
          ALLOWED_CREDENTIAL_URLS_ENV
              + " must list absolute http or https URLs without user info or fragment, such as"
              + " http://169.254.169.254/metadata/identity/oauth2/token?api-version=2018-02-01");
    }
    return value;
  }

  private static Path file(String value) {
    Path path;
    try {
      path = Path.of(value);
    } catch (InvalidPathException e) {
      throw new IllegalArgumentException(
          ALLOWED_CREDENTIAL_FILES_ENV + " holds a value that is not a valid path");
    }
    if (!path.isAbsolute() || !path.normalize().toString().equals(value)) {
      throw new IllegalArgumentException(
          ALLOWED_CREDENTIAL_FILES_ENV
              + " must list absolute paths without '.', '..' or repeated '/', such as"
              + " /var/run/secrets/tokens/gcp-token");
    }
    return path;
  }
}
