package io.regcred.provider;

import java.util.Set;

/**
 * The error codes a failure message may quote from a cloud's answer: documented codes of the
 * protocols the providers speak. Anything else in an answer (a description, a message, a header, a
 * code not listed here) is never shown, since a server may echo a request, a key or a token in it;
 * a code that merely looks like one is not enough.
 */
public final class ErrorCodes {

  /**
   * OAuth 2.0 error codes (RFC 6749 section 5.2, RFC 6750 section 3.1, RFC 8693 section 2.2.2) and
   * those Google's and Microsoft's token endpoints add.
   */
  private static final Set<String> OAUTH =
      Set.of(
          "invalid_request",
          "invalid_client",
          "invalid_grant",
          "unauthorized_client",
          "unsupported_grant_type",
          "invalid_scope",
          "access_denied",
          "unsupported_response_type",
          "server_error",
          "temporarily_unavailable",
          "invalid_token",
          "insufficient_scope",
          "invalid_target",
          "unsupported_token_type",
          "invalid_resource",
          "interaction_required",
          "expired_token",
          "authorization_pending",
          "rate_limit_exceeded",
          "admin_policy_enforced",
          "internal_failure");

  /** The names of {@code google.rpc.Code}, the {@code status} of Google API errors. */
  private static final Set<String> GOOGLE_STATUS =
      Set.of(
          "CANCELLED",
          "UNKNOWN",
          "INVALID_ARGUMENT",
          "DEADLINE_EXCEEDED",
          "NOT_FOUND",
          "ALREADY_EXISTS",
          "PERMISSION_DENIED",
          "RESOURCE_EXHAUSTED",
          "FAILED_PRECONDITION",
          "ABORTED",
          "OUT_OF_RANGE",
          "UNIMPLEMENTED",
          "INTERNAL",
          "UNAVAILABLE",
          "DATA_LOSS",
          "UNAUTHENTICATED");

  /** The error codes of the distribution (OCI) registry API, which ACR's token endpoints use. */
  private static final Set<String> REGISTRY =
      Set.of(
          "BLOB_UNKNOWN",
          "BLOB_UPLOAD_INVALID",
          "BLOB_UPLOAD_UNKNOWN",
          "DIGEST_INVALID",
          "MANIFEST_BLOB_UNKNOWN",
          "MANIFEST_INVALID",
          "MANIFEST_UNKNOWN",
          "NAME_INVALID",
          "NAME_UNKNOWN",
          "SIZE_INVALID",
          "UNAUTHORIZED",
          "DENIED",
          "UNSUPPORTED",
          "TOOMANYREQUESTS",
          "UNKNOWN");

  /** Error codes of ECR, ECR Public and STS, and the errors common to AWS APIs. */
  private static final Set<String> AWS =
      Set.of(
          // ECR and ECR Public GetAuthorizationToken
          "InvalidParameterException",
          "ServerException",
          "ValidationException",
          "LimitExceededException",
          "UnsupportedCommandException",
          // STS
          "ExpiredTokenException",
          "IDPCommunicationError",
          "IDPRejectedClaim",
          "InvalidIdentityToken",
          "MalformedPolicyDocument",
          "PackedPolicyTooLarge",
          "RegionDisabledException",
          // common to AWS APIs (JSON and query protocols)
          "AccessDenied",
          "AccessDeniedException",
          "ExpiredToken",
          "IncompleteSignature",
          "InternalFailure",
          "InternalServerError",
          "InvalidAccessKeyId",
          "InvalidAction",
          "InvalidClientTokenId",
          "InvalidParameterCombination",
          "InvalidParameterValue",
          "InvalidQueryParameter",
          "InvalidSignatureException",
          "MalformedQueryString",
          "MissingAction",
          "MissingAuthenticationToken",
          "MissingAuthenticationTokenException",
          "MissingParameter",
          "NotAuthorized",
          "OptInRequired",
          "RequestExpired",
          "RequestLimitExceeded",
          "RequestTimeout",
          "RequestTimeoutException",
          "SerializationException",
          "ServiceUnavailable",
          "ServiceUnavailableException",
          "SignatureDoesNotMatch",
          "Throttling",
          "ThrottlingException",
          "TooManyRequestsException",
          "UnauthorizedOperation",
          "UnknownOperationException",
          "UnrecognizedClientException",
          "ValidationError");

  private ErrorCodes() {}

  /** {@code code} if it is an OAuth error code, else null. */
  public static String oauth(String code) {
    return listed(OAUTH, code);
  }

  /** {@code status} if it is a Google API status, else null. */
  public static String googleStatus(String status) {
    return listed(GOOGLE_STATUS, status);
  }

  /** {@code code} if it is a registry API error code, else null. */
  public static String registry(String code) {
    return listed(REGISTRY, code);
  }

  /** {@code code} if it is an AWS error code of the services the operator calls, else null. */
  public static String aws(String code) {
    return listed(AWS, code);
  }

  private static String listed(Set<String> codes, String code) {
    return code != null && codes.contains(code) ? code : null;
  }
}
