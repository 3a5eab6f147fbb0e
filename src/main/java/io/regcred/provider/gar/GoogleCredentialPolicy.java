package io.regcred.provider.gar;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * Which {@code key.json} configurations the operator hands to google-auth-library: those that send
 * a key, an assertion or a subject token only to the pinned {@link GoogleEndpoints}, and read only
 * a file or URL the operator's administrator listed in {@link GarSettings}. Whoever can write a
 * source Secret must not be able to turn the operator into a courier for its own identity.
 *
 * <p>Every field the library would act on is checked, and fields the library does not read in a
 * supported configuration are refused, so a library upgrade that starts reading a new field cannot
 * open a new destination unnoticed. Messages name fields and the accepted values, never a value of
 * the key.json.
 */
final class GoogleCredentialPolicy {

  /** Resolves a path to the file it names, following symbolic links; empty if there is none. */
  @FunctionalInterface
  interface RealPaths {
    Optional<Path> realPath(Path path);
  }

  static final RealPaths FILE_SYSTEM =
      path -> {
        try {
          return Optional.of(path.toRealPath());
        } catch (IOException | SecurityException e) {
          return Optional.empty();
        }
      };

  static final String SERVICE_ACCOUNT = "service_account";
  static final String EXTERNAL_ACCOUNT = "external_account";

  /** The only universe whose endpoints are pinned; other universes derive hosts from the name. */
  static final String GOOGLE_UNIVERSE = "googleapis.com";

  /**
   * The fields of a key made by the Cloud console or {@code gcloud iam service-accounts keys
   * create}; google-auth reads the first eight.
   */
  private static final Set<String> SERVICE_ACCOUNT_FIELDS =
      Set.of(
          "type",
          "project_id",
          "private_key_id",
          "private_key",
          "client_email",
          "client_id",
          "token_uri",
          "universe_domain",
          "quota_project_id",
          "auth_uri",
          "auth_provider_x509_cert_url",
          "client_x509_cert_url");

  /** The fields google-auth-library 1.40 reads from an external_account configuration. */
  private static final Set<String> EXTERNAL_ACCOUNT_FIELDS =
      Set.of(
          "type",
          "audience",
          "subject_token_type",
          "token_url",
          "token_info_url",
          "service_account_impersonation_url",
          "service_account_impersonation",
          "credential_source",
          "client_id",
          "client_secret",
          "quota_project_id",
          "workforce_pool_user_project",
          "universe_domain");

  private static final Set<String> IMPERSONATION_OPTIONS = Set.of("token_lifetime_seconds");
  private static final Set<String> FORMAT_FIELDS = Set.of("type", "subject_token_field_name");
  private static final Set<String> FILE_SOURCE_FIELDS = Set.of("file", "format");
  private static final Set<String> URL_SOURCE_FIELDS = Set.of("url", "headers", "format");

  /** Field names and types are shown in messages only when they look like one. */
  private static final Pattern SAFE_NAME = Pattern.compile("[a-z_]{1,40}");

  private final GoogleEndpoints endpoints;
  private final GarSettings settings;
  private final RealPaths realPaths;
  private final Pattern impersonationUrl;
  private final String impersonationShape;

  GoogleCredentialPolicy(GoogleEndpoints endpoints, GarSettings settings, RealPaths realPaths) {
    this.endpoints = endpoints;
    this.settings = settings;
    this.realPaths = realPaths;
    String origin = endpoints.iamCredentials().toString().replaceAll("/+$", "");
    // The project ("-" or an id) and the account (an email or a numeric unique id).
    this.impersonationUrl =
        Pattern.compile(
            Pattern.quote(origin + "/v1/projects/")
                + "(-|[a-z][-a-z0-9]{4,28}[a-z0-9]|[0-9]{1,20})"
                + Pattern.quote("/serviceAccounts/")
                + "([A-Za-z0-9][A-Za-z0-9._+-]{0,99}@[a-z0-9][-a-z0-9.]{0,252}|[0-9]{1,30})"
                + Pattern.quote(":generateAccessToken"));
    this.impersonationShape =
        origin + "/v1/projects/-/serviceAccounts/<service account email>:generateAccessToken";
  }

  /**
   * The first rule the configuration breaks, as a sentence starting with {@code key.json}; empty
   * when the configuration may be used.
   */
  Optional<String> violation(JsonNode root) {
    if (root == null || !root.isObject()) {
      return Optional.of("key.json is not a JSON object");
    }
    JsonNode type = root.get("type");
    if (type == null || !type.isTextual()) {
      return Optional.of("key.json has no type; " + supportedTypes());
    }
    return switch (type.asText()) {
      case SERVICE_ACCOUNT -> serviceAccount(root);
      case EXTERNAL_ACCOUNT -> externalAccount(root);
      default ->
          Optional.of(
              "key.json has "
                  + (SAFE_NAME.matcher(type.asText()).matches()
                      ? "type " + type.asText()
                      : "an unknown type")
                  + "; "
                  + supportedTypes());
    };
  }

  private static String supportedTypes() {
    return "supported are " + SERVICE_ACCOUNT + " and " + EXTERNAL_ACCOUNT;
  }

  /** A service-account key signs a JWT and posts it to {@code token_uri}. */
  private Optional<String> serviceAccount(JsonNode root) {
    return first(
        unknownField(root, SERVICE_ACCOUNT_FIELDS, "a " + SERVICE_ACCOUNT + " key"),
        universe(root),
        oneOf(root, "token_uri", endpoints.oauth2TokenUris(), true));
  }

  /**
   * An external account reads a subject token from {@code credential_source} and posts it to {@code
   * token_url}; the access token it gets goes to the impersonation URL. Without {@code token_url}
   * the library derives the host from {@code universe_domain}, so it must be present.
   */
  private Optional<String> externalAccount(JsonNode root) {
    return first(
        unknownField(root, EXTERNAL_ACCOUNT_FIELDS, "an " + EXTERNAL_ACCOUNT + " configuration"),
        universe(root),
        oneOf(root, "token_url", endpoints.stsTokenUrls(), true),
        oneOf(root, "token_info_url", endpoints.stsTokenInfoUrls(), false),
        impersonation(root),
        credentialSource(root.get("credential_source")));
  }

  private Optional<String> universe(JsonNode root) {
    JsonNode value = root.get("universe_domain");
    if (value == null || (value.isTextual() && value.asText().equals(GOOGLE_UNIVERSE))) {
      return Optional.empty();
    }
    return Optional.of("key.json universe_domain must be " + GOOGLE_UNIVERSE + " or absent");
  }

  private static Optional<String> oneOf(
      JsonNode root, String field, Set<String> accepted, boolean required) {
    JsonNode value = root.get(field);
    if (value == null && !required) {
      return Optional.empty();
    }
    if (value != null && value.isTextual() && accepted.contains(value.asText())) {
      return Optional.empty();
    }
    return Optional.of(
        "key.json "
            + field
            + " must be "
            + (required ? "" : "absent or ")
            + (accepted.size() == 1 ? "" : "one of ")
            + String.join(", ", new TreeSet<>(accepted)));
  }

  private Optional<String> impersonation(JsonNode root) {
    JsonNode url = root.get("service_account_impersonation_url");
    if (url != null && !(url.isTextual() && impersonationUrl.matcher(url.asText()).matches())) {
      return Optional.of(
          "key.json service_account_impersonation_url must be absent or " + impersonationShape);
    }
    JsonNode options = root.get("service_account_impersonation");
    if (options != null
        && !(options.isObject() && unknownField(options, IMPERSONATION_OPTIONS, "").isEmpty())) {
      return Optional.of(
          "key.json service_account_impersonation may only hold token_lifetime_seconds");
    }
    return Optional.empty();
  }

  private Optional<String> credentialSource(JsonNode source) {
    if (source == null || !source.isObject()) {
      return Optional.of("key.json credential_source must be an object with file or url");
    }
    if (source.has("environment_id")) {
      return Optional.of(
          "key.json credential_source.environment_id (an AWS-sourced external account) is not"
              + " supported; use a file-sourced OIDC token");
    }
    if (source.has("executable")) {
      return Optional.of(
          "key.json credential_source.executable is not supported: the operator runs no program a"
              + " Secret names");
    }
    if (source.has("certificate")) {
      return Optional.of("key.json credential_source.certificate is not supported");
    }
    boolean file = source.has("file");
    boolean url = source.has("url");
    if (file == url) {
      return Optional.of("key.json credential_source must name exactly one of file and url");
    }
    Optional<String> unknown =
        unknownField(
            source,
            file ? FILE_SOURCE_FIELDS : URL_SOURCE_FIELDS,
            "credential_source with " + (file ? "file" : "url"));
    if (unknown.isPresent()) {
      return unknown;
    }
    JsonNode format = source.get("format");
    if (format != null
        && !(format.isObject() && unknownField(format, FORMAT_FIELDS, "").isEmpty())) {
      return Optional.of(
          "key.json credential_source.format may only hold type and subject_token_field_name");
    }
    return file ? fileSource(source.get("file")) : urlSource(source);
  }

  /**
   * The file must be one the administrator listed: the same absolute path, or a path without {@code
   * .} or {@code ..} whose real path is the real path of a listed file (so a symbolic link leads
   * nowhere else).
   */
  private Optional<String> fileSource(JsonNode value) {
    String rule =
        "key.json credential_source.file must be a file listed in"
            + " REGCRED_GAR_ALLOWED_CREDENTIAL_FILES"
            + (settings.allowedCredentialFiles().isEmpty() ? " (none is listed)" : "");
    if (!value.isTextual()) {
      return Optional.of(rule);
    }
    Path path;
    try {
      path = Path.of(value.asText());
    } catch (InvalidPathException e) {
      return Optional.of(rule);
    }
    if (!path.isAbsolute() || hasDotSegment(path)) {
      return Optional.of(rule);
    }
    List<Path> allowed = settings.allowedCredentialFiles();
    if (allowed.contains(path.normalize())) {
      return Optional.empty();
    }
    Optional<Path> real = realPaths.realPath(path);
    if (real.isPresent() && allowed.stream().map(realPaths::realPath).anyMatch(real::equals)) {
      return Optional.empty();
    }
    return Optional.of(rule);
  }

  private static boolean hasDotSegment(Path path) {
    for (Path name : path) {
      if (name.toString().equals(".") || name.toString().equals("..")) {
        return true;
      }
    }
    return false;
  }

  /** The URL must be exactly one the administrator listed; headers must be plain strings. */
  private Optional<String> urlSource(JsonNode source) {
    JsonNode url = source.get("url");
    if (!url.isTextual() || !settings.allowedCredentialUrls().contains(url.asText())) {
      return Optional.of(
          "key.json credential_source.url must be a URL listed in"
              + " REGCRED_GAR_ALLOWED_CREDENTIAL_URLS"
              + (settings.allowedCredentialUrls().isEmpty() ? " (none is listed)" : ""));
    }
    JsonNode headers = source.get("headers");
    if (headers != null && !(headers.isObject() && allTextual(headers))) {
      return Optional.of("key.json credential_source.headers must map names to strings");
    }
    return Optional.empty();
  }

  private static boolean allTextual(JsonNode object) {
    for (JsonNode value : object) {
      if (!value.isTextual()) {
        return false;
      }
    }
    return true;
  }

  /** The first field of {@code object} that is not {@code known}, as a violation. */
  private static Optional<String> unknownField(JsonNode object, Set<String> known, String where) {
    for (Iterator<String> names = object.fieldNames(); names.hasNext(); ) {
      String name = names.next();
      if (!known.contains(name)) {
        return Optional.of(
            "key.json has "
                + (SAFE_NAME.matcher(name).matches() ? "the field " + name : "a field")
                + " that the operator does not accept in "
                + where);
      }
    }
    return Optional.empty();
  }

  @SafeVarargs
  private static Optional<String> first(Optional<String>... checks) {
    for (Optional<String> check : checks) {
      if (check.isPresent()) {
        return check;
      }
    }
    return Optional.empty();
  }
}
