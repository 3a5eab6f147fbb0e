package io.regcred.provider.ecr;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.regcred.model.Reason;
import io.regcred.provider.BoundedBody;
import io.regcred.provider.SourceException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Optional;
import java.util.Set;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentials;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.http.AbortableInputStream;
import software.amazon.awssdk.http.HttpExecuteRequest;
import software.amazon.awssdk.http.HttpExecuteResponse;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.SdkHttpFullRequest;
import software.amazon.awssdk.http.SdkHttpMethod;

/**
 * Credentials from the EKS Pod Identity agent (any container credentials endpoint given as a full
 * URI): {@code GET AWS_CONTAINER_CREDENTIALS_FULL_URI} with the token of {@code
 * AWS_CONTAINER_AUTHORIZATION_TOKEN} or of the file {@code AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE}
 * as the {@code Authorization} header, answered by {@code
 * {"AccessKeyId","SecretAccessKey","Token","Expiration"}}.
 *
 * <p>This is what the SDK's {@code ContainerCredentialsProvider} does, with the same rules (plain
 * HTTP only to loopback addresses or the ECS/EKS agent addresses; the token variable before the
 * token file; retries on 5xx and I/O errors), but it takes its variables from an {@link
 * AwsIdentityEnv} instead of the process environment, and it uses the provider's HTTP client, so
 * the provider's TLS trust and timeouts apply. The token file is read on every call (the kubelet
 * rotates it). Failure messages carry names and statuses only, never the token or the body.
 */
final class PodIdentityCredentials {

  static final String OPERATION = "EKS Pod Identity credentials request";

  /** The ECS task metadata and EKS Pod Identity agent addresses the SDK accepts over HTTP. */
  private static final Set<String> AGENT_HOSTS =
      Set.of("169.254.170.2", "169.254.170.23", "[fd00:ec2::23]");

  private static final int ATTEMPTS = 3;
  private static final long BACKOFF_MILLIS = 100;
  private static final ObjectMapper JSON = new ObjectMapper();

  private PodIdentityCredentials() {}

  /**
   * One credentials request, retried (3 attempts in all) on 5xx and I/O errors while {@code
   * timeout} has not passed since the first attempt.
   */
  static AwsCredentials fetch(AwsIdentityEnv env, SdkHttpClient http, Duration timeout)
      throws SourceException {
    long deadline = System.nanoTime() + timeout.toNanos();
    URI uri = endpoint(env);
    Optional<String> token = token(env);
    SdkHttpFullRequest.Builder request =
        SdkHttpFullRequest.builder()
            .method(SdkHttpMethod.GET)
            .uri(uri)
            .putHeader("Accept", "application/json");
    token.ifPresent(t -> request.putHeader("Authorization", t));
    HttpExecuteRequest call = HttpExecuteRequest.builder().request(request.build()).build();

    int status = 0;
    byte[] body = null;
    Exception ioFailure = null;
    for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
      if (attempt > 1 && (System.nanoTime() - deadline >= 0 || !pause(attempt))) {
        break;
      }
      try {
        HttpExecuteResponse response = http.prepareRequest(call).call();
        status = response.httpResponse().statusCode();
        body = read(response.responseBody(), status == 200);
        ioFailure = null;
      } catch (BoundedBody.TooLargeException e) {
        throw new SourceException(
            Reason.ProviderError,
            OPERATION + " answered with a body larger than " + BoundedBody.LIMIT);
      } catch (IOException | UncheckedIOException e) {
        ioFailure = e;
        continue;
      } catch (RuntimeException e) {
        throw new SourceException(
            Reason.ProviderError,
            OPERATION + " failed: " + e.getClass().getSimpleName() + " in the HTTP client");
      }
      if (status < 500) {
        break;
      }
    }
    if (ioFailure != null) {
      Throwable root = ioFailure instanceof UncheckedIOException u ? u.getCause() : ioFailure;
      throw new SourceException(
          Reason.ProviderUnreachable,
          OPERATION
              + " failed: no response from the endpoint ("
              + root.getClass().getSimpleName()
              + ")");
    }
    if (status == 401 || status == 403) {
      throw new SourceException(
          Reason.AccessDenied, OPERATION + " was refused (HTTP " + status + ")");
    }
    if (status >= 500) {
      throw new SourceException(
          Reason.ProviderUnavailable, OPERATION + " failed (HTTP " + status + ")");
    }
    if (status != 200) {
      throw new SourceException(Reason.ProviderError, OPERATION + " failed (HTTP " + status + ")");
    }
    return credentials(body);
  }

  /** The full URI, if it is one the SDK would call: HTTPS, or HTTP to a loopback or agent host. */
  static URI endpoint(AwsIdentityEnv env) throws SourceException {
    String name = AwsIdentityEnv.CONTAINER_FULL_URI;
    String value = env.get(name).orElseThrow(() -> unavailable(name + " is not set"));
    URI uri;
    try {
      uri = new URI(value);
    } catch (URISyntaxException e) {
      throw unavailable(name + " is not a valid URI");
    }
    String scheme = uri.getScheme();
    String host = uri.getHost();
    if (host == null || !("http".equalsIgnoreCase(scheme) || "https".equalsIgnoreCase(scheme))) {
      throw unavailable(name + " must be an absolute http or https URI");
    }
    if ("https".equalsIgnoreCase(scheme) || AGENT_HOSTS.contains(host.toLowerCase())) {
      return uri;
    }
    InetAddress[] addresses;
    try {
      addresses = InetAddress.getAllByName(host);
    } catch (UnknownHostException e) {
      throw unavailable("the host of " + name + " could not be resolved");
    }
    for (InetAddress address : addresses) {
      if (!address.isLoopbackAddress()) {
        throw unavailable(
            name
                + " must be HTTPS or point at a loopback address or the EKS Pod Identity agent"
                + " (169.254.170.23, [fd00:ec2::23])");
      }
    }
    return uri;
  }

  /**
   * {@code AWS_CONTAINER_AUTHORIZATION_TOKEN}, else the content of the token file, without
   * surrounding whitespace (HTTP header values cannot end in a newline); empty if neither is set.
   */
  private static Optional<String> token(AwsIdentityEnv env) throws SourceException {
    Optional<String> direct = env.get(AwsIdentityEnv.CONTAINER_TOKEN);
    if (direct.isPresent()) {
      return direct;
    }
    Optional<String> file = env.get(AwsIdentityEnv.CONTAINER_TOKEN_FILE);
    if (file.isEmpty()) {
      return Optional.empty();
    }
    String content;
    try {
      content = Files.readString(Path.of(file.get()), StandardCharsets.UTF_8).strip();
    } catch (IOException | InvalidPathException e) {
      throw unavailable(
          "the EKS Pod Identity token file ("
              + AwsIdentityEnv.CONTAINER_TOKEN_FILE
              + ") could not be read ("
              + e.getClass().getSimpleName()
              + ")");
    }
    if (content.isEmpty()) {
      throw unavailable(
          "the EKS Pod Identity token file (" + AwsIdentityEnv.CONTAINER_TOKEN_FILE + ") is empty");
    }
    if (content.indexOf('\n') >= 0 || content.indexOf('\r') >= 0) {
      throw unavailable(
          "the EKS Pod Identity token file ("
              + AwsIdentityEnv.CONTAINER_TOKEN_FILE
              + ") holds more than one line");
    }
    return Optional.of(content);
  }

  private static AwsCredentials credentials(byte[] body) throws SourceException {
    JsonNode json;
    try {
      json = JSON.readTree(body);
    } catch (IOException e) {
      json = null;
    }
    if (json == null || !json.isObject()) {
      throw new SourceException(Reason.ProviderError, OPERATION + " returned no JSON object");
    }
    String keyId = text(json, "AccessKeyId");
    String secretKey = text(json, "SecretAccessKey");
    if (keyId == null || secretKey == null) {
      throw new SourceException(
          Reason.ProviderError, OPERATION + " returned no AccessKeyId or SecretAccessKey");
    }
    String sessionToken = text(json, "Token");
    if (sessionToken == null) {
      return AwsBasicCredentials.create(keyId, secretKey);
    }
    AwsSessionCredentials.Builder credentials =
        AwsSessionCredentials.builder()
            .accessKeyId(keyId)
            .secretAccessKey(secretKey)
            .sessionToken(sessionToken)
            .providerName("EksPodIdentity");
    String expiration = text(json, "Expiration");
    if (expiration != null) {
      try {
        credentials.expirationTime(Instant.parse(expiration));
      } catch (DateTimeParseException e) {
        throw new SourceException(
            Reason.ProviderError,
            OPERATION + " returned an Expiration that is not an ISO 8601 time");
      }
    }
    String accountId = text(json, "AccountId");
    if (accountId != null) {
      credentials.accountId(accountId);
    }
    return credentials.build();
  }

  private static String text(JsonNode json, String field) {
    JsonNode node = json.get(field);
    if (node == null || !node.isTextual() || node.asText().isBlank()) {
      return null;
    }
    return node.asText();
  }

  /**
   * The credentials document, bounded; an error answer is closed unread (only its status counts).
   */
  private static byte[] read(Optional<AbortableInputStream> body, boolean ok) throws IOException {
    if (body.isEmpty()) {
      return new byte[0];
    }
    try (AbortableInputStream in = body.get()) {
      if (!ok) {
        in.abort();
        return new byte[0];
      }
      try {
        return BoundedBody.read(in);
      } catch (BoundedBody.TooLargeException e) {
        in.abort();
        throw e;
      }
    }
  }

  /** Waits before another attempt; false if interrupted. */
  private static boolean pause(int attempt) {
    try {
      Thread.sleep(BACKOFF_MILLIS * (attempt - 1));
      return true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  private static SourceException unavailable(String message) {
    return new SourceException(Reason.CredentialUnavailable, message);
  }
}
