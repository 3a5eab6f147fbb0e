package io.regcred.e2e;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The operator's image, built from the Dockerfile by {@code hack/image.sh} (buildah, no container
 * engine) and pushed to the node's private registry, once per test JVM. Its tag is taken from the
 * archive's content, so a node that already ran an earlier build cannot start that one instead.
 */
final class OperatorImage {

  static final String REPOSITORY = "regcred/operator";

  private static OperatorImage pushed;

  /** {@code host:port/regcred/operator}. */
  final String repository;

  final String tag;

  private OperatorImage(String repository, String tag) {
    this.repository = repository;
    this.tag = tag;
  }

  String reference() {
    return repository + ":" + tag;
  }

  static synchronized OperatorImage pushedTo(RealNode node) throws IOException {
    if (pushed == null) {
      long start = System.nanoTime();
      Path archive = Path.of(run(List.of("hack/image.sh", "build")).strip());
      double built = (System.nanoTime() - start) / 1e9;
      String tag = "e2e-" + sha256(archive).substring(0, 12);
      String repository = node.registry() + "/" + REPOSITORY;
      Path certs = Files.createTempDirectory("regcred-registry-ca");
      Files.copy(node.registryCa(), certs.resolve("ca.crt"));
      run(
          List.of(
              "skopeo",
              "copy",
              "--quiet",
              "--dest-cert-dir",
              certs.toString(),
              "--dest-creds",
              node.registryUser() + ":" + node.registryPassword(),
              "oci-archive:" + archive,
              "docker://" + repository + ":" + tag));
      System.out.printf(
          "operator image: built in %.0f s (%.0f MiB archive), pushed as %s in %.0f s%n",
          built,
          Files.size(archive) / 1048576.0,
          repository + ":" + tag,
          (System.nanoTime() - start) / 1e9 - built);
      pushed = new OperatorImage(repository, tag);
    }
    return pushed;
  }

  private static String sha256(Path file) throws IOException {
    try (InputStream in = Files.newInputStream(file)) {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      byte[] buffer = new byte[1 << 16];
      for (int n; (n = in.read(buffer)) > 0; ) {
        digest.update(buffer, 0, n);
      }
      return HexFormat.of().formatHex(digest.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Runs a command; its standard output (progress on standard error goes to the test's). */
  private static String run(List<String> command) throws IOException {
    Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    try {
      if (!p.waitFor(20, TimeUnit.MINUTES)) {
        p.destroyForcibly();
        throw new IllegalStateException(String.join(" ", command.subList(0, 2)) + ": timed out");
      }
      // Not the whole command: it holds the registry's password.
      if (p.exitValue() != 0) {
        throw new IllegalStateException(
            String.join(" ", command.subList(0, 2)) + ": exit " + p.exitValue());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new UncheckedIOException(new IOException(e));
    }
    return out;
  }
}
