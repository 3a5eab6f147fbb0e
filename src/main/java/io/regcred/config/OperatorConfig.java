package io.regcred.config;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * The operator's settings, parsed from environment variables in one place. A bad value fails
 * start-up with a message naming the variable and what it accepts.
 *
 * @param namespace the namespace the operator runs in: Events and the leader Lease live here
 * @param sourceNamespace the only namespace source Secrets are read from
 * @param leaderElection whether to take a Lease before reconciling
 * @param leaseName name of the Lease
 * @param leaderIdentity this replica's name in the Lease (the pod name in a cluster)
 * @param reconcileThreads credentials reconciled at once
 * @param writeThreads namespaces written at once within one credential
 * @param httpPort port of the health (and metrics) endpoints; 0 disables them
 * @param deniedNamespaces namespaces no credential ever writes into, whatever its names or selector
 *     say
 */
public record OperatorConfig(
    String namespace,
    String sourceNamespace,
    boolean leaderElection,
    String leaseName,
    String leaderIdentity,
    int reconcileThreads,
    int writeThreads,
    int httpPort,
    Set<String> deniedNamespaces) {

  /** The cluster's own namespaces: a pull secret has no business there unless an admin says so. */
  public static final Set<String> DEFAULT_DENIED_NAMESPACES =
      Set.of("kube-system", "kube-public", "kube-node-lease");

  public OperatorConfig {
    deniedNamespaces = Set.copyOf(deniedNamespaces);
  }

  /** With the default deny list. */
  public OperatorConfig(
      String namespace,
      String sourceNamespace,
      boolean leaderElection,
      String leaseName,
      String leaderIdentity,
      int reconcileThreads,
      int writeThreads,
      int httpPort) {
    this(
        namespace,
        sourceNamespace,
        leaderElection,
        leaseName,
        leaderIdentity,
        reconcileThreads,
        writeThreads,
        httpPort,
        DEFAULT_DENIED_NAMESPACES);
  }

  static final Path SERVICE_ACCOUNT_NAMESPACE =
      Path.of("/var/run/secrets/kubernetes.io/serviceaccount/namespace");

  /** Parses the environment; throws {@link IllegalArgumentException} listing every bad value. */
  public static OperatorConfig fromEnv(Map<String, String> env) {
    List<String> errors = new ArrayList<>();
    String namespace = env.getOrDefault("REGCRED_NAMESPACE", defaultNamespace());
    String sourceNamespace = env.getOrDefault("REGCRED_SOURCE_NAMESPACE", namespace);
    boolean leaderElection =
        parse(
            env, "REGCRED_LEADER_ELECTION", "true", OperatorConfig::bool, "true or false", errors);
    String leaseName = env.getOrDefault("REGCRED_LEASE_NAME", "regcred-operator-leader");
    String leaderIdentity =
        env.getOrDefault(
            "REGCRED_LEADER_IDENTITY",
            env.getOrDefault(
                "POD_NAME", env.getOrDefault("HOSTNAME", java.util.UUID.randomUUID().toString())));
    int reconcileThreads =
        parse(
            env,
            "REGCRED_RECONCILE_CONCURRENCY",
            "4",
            s -> positive(s, 64),
            "an integer from 1 to 64",
            errors);
    int writeThreads =
        parse(
            env,
            "REGCRED_WRITE_CONCURRENCY",
            "8",
            s -> positive(s, 128),
            "an integer from 1 to 128",
            errors);
    int httpPort =
        parse(
            env,
            "REGCRED_HTTP_PORT",
            "8080",
            OperatorConfig::port,
            "a port from 0 to 65535",
            errors);
    Set<String> denied =
        parse(
            env,
            "REGCRED_DENIED_NAMESPACES",
            String.join(",", new TreeSet<>(DEFAULT_DENIED_NAMESPACES)),
            OperatorConfig::namespaceList,
            "a comma-separated list of namespace names (empty to deny none)",
            errors);
    if (!errors.isEmpty()) {
      throw new IllegalArgumentException("invalid configuration: " + String.join("; ", errors));
    }
    return new OperatorConfig(
        namespace,
        sourceNamespace,
        leaderElection,
        leaseName,
        leaderIdentity,
        reconcileThreads,
        writeThreads,
        httpPort,
        denied);
  }

  private static String defaultNamespace() {
    try {
      if (Files.isReadable(SERVICE_ACCOUNT_NAMESPACE)) {
        return Files.readString(SERVICE_ACCOUNT_NAMESPACE).trim();
      }
    } catch (java.io.IOException e) {
      // fall through to the documented default
    }
    return "regcred-system";
  }

  private static <T> T parse(
      Map<String, String> env,
      String name,
      String fallback,
      Function<String, T> parser,
      String accepts,
      List<String> errors) {
    String raw = env.getOrDefault(name, fallback).trim();
    try {
      return parser.apply(raw);
    } catch (IllegalArgumentException e) {
      errors.add(name + "=" + raw + " is not " + accepts);
      return parser.apply(fallback);
    }
  }

  private static boolean bool(String s) {
    return switch (s.toLowerCase()) {
      case "true", "1", "yes" -> true;
      case "false", "0", "no" -> false;
      default -> throw new IllegalArgumentException(s);
    };
  }

  private static int positive(String s, int max) {
    int v = Integer.parseInt(s);
    if (v < 1 || v > max) {
      throw new IllegalArgumentException(s);
    }
    return v;
  }

  private static final Pattern NAMESPACE_NAME =
      Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");

  private static Set<String> namespaceList(String s) {
    Set<String> names = new TreeSet<>();
    for (String part : s.split(",")) {
      String name = part.trim();
      if (name.isEmpty()) {
        continue;
      }
      if (!NAMESPACE_NAME.matcher(name).matches()) {
        throw new IllegalArgumentException(name);
      }
      names.add(name);
    }
    return names;
  }

  private static int port(String s) {
    int v = Integer.parseInt(s);
    if (v < 0 || v > 65535) {
      throw new IllegalArgumentException(s);
    }
    return v;
  }
}
