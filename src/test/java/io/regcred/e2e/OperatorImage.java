package io.regcred.e2e;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;

/**
 * The operator's image, built from the Dockerfile by {@code hack/image.sh} (buildah, no container
 * engine) and pushed with {@code hack/image.sh push} to the node's private registry, once per test
 * JVM. Its tag is taken from the archive's content, so a node that already ran an earlier build
 * cannot start that one instead.
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
      Path archive =
          Path.of(Command.run(List.of("hack/image.sh", "build"), Duration.ofMinutes(20)).strip());
      double built = (System.nanoTime() - start) / 1e9;
      String tag = "e2e-" + sha256(archive).substring(0, 12);
      String repository = node.registry() + "/" + REPOSITORY;
      Command.run(
          List.of(
              "hack/image.sh",
              "push",
              archive.toString(),
              "docker://" + repository + ":" + tag,
              "--user",
              node.registryUser(),
              "--password-file",
              node.registryPasswordFile().toString(),
              "--ca",
              node.registryCa().toString()),
          Duration.ofMinutes(5));
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
}
