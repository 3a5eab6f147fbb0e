package io.regcred;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Rules for the project's Dockerfile, checked without a container engine: a multi-stage build, a
 * JRE (or jlink output on a minimal base) at run time, a numeric non-root user, no remote ADD, no
 * {@code latest} images, an exec-form ENTRYPOINT, EXPOSE 8080, and COPY --from only from named
 * earlier stages. Every base is a build argument with a default (so a build without access to
 * public registries can substitute an equivalent image), and a stage on such a base does not
 * hard-code its JAVA_HOME. A runtime base not pinned by digest is reported as a note, not a
 * failure.
 */
class DockerfileTest {

  static final Path DOCKERFILE = Path.of("Dockerfile");
  static final Path CONTEXT = Path.of(".");

  @Test
  void projectDockerfileFollowsTheRules() throws IOException {
    String text = Files.readString(DOCKERFILE);
    assertThat(problems(text, CONTEXT)).as(DOCKERFILE.toAbsolutePath().toString()).isEmpty();
    notes(text).forEach(note -> System.out.println("NOTE (Dockerfile): " + note));
  }

  @Test
  void theRulesCatchBadDockerfiles(@TempDir Path context) throws IOException {
    String good =
        """
        ARG BUILD_IMAGE=maven:3.9-eclipse-temurin-17
        ARG RUNTIME_IMAGE="eclipse-temurin:17-jre"
        FROM ${BUILD_IMAGE} AS build
        RUN mvn -B package
        FROM $RUNTIME_IMAGE
        COPY --from=build /src/target/app.jar /app/app.jar
        USER 65532:65532
        EXPOSE 8080
        ENTRYPOINT ["java", \\
            "-jar", "/app/app.jar"]
        """;
    assertThat(problems(good)).isEmpty();
    assertThat(notes(good)).singleElement().asString().contains("eclipse-temurin:17-jre");
    assertThat(notes(good.replace("17-jre", "17-jre@sha256:" + "a".repeat(64)))).isEmpty();

    assertThat(problems(good.replace("FROM ${BUILD_IMAGE} AS build\n", "")))
        .anyMatch(p -> p.contains("multi-stage"))
        .anyMatch(p -> p.contains("--from=build"));
    assertThat(problems(good.replace("eclipse-temurin:17-jre", "eclipse-temurin:17-jdk")))
        .anyMatch(p -> p.contains("JRE"));
    assertThat(problems(good.replace("eclipse-temurin:17-jre", "eclipse-temurin")))
        .anyMatch(p -> p.contains("latest"));
    assertThat(problems(good.replace("maven:3.9-eclipse-temurin-17", "maven:latest")))
        .anyMatch(p -> p.contains("latest"));
    assertThat(problems(good.replace("USER 65532:65532", "USER nonroot")))
        .anyMatch(p -> p.contains("numeric"));
    assertThat(problems(good.replace("USER 65532:65532", "USER 0")))
        .anyMatch(p -> p.contains("root"));
    assertThat(problems(good.replace("USER 65532:65532\n", ""))).anyMatch(p -> p.contains("USER"));
    assertThat(
            problems(
                good.replace(
                    "RUN mvn -B package", "ADD https://example.com/tool.tar.gz /opt/\nRUN true")))
        .anyMatch(p -> p.contains("remote"));
    assertThat(problems(good.replace("EXPOSE 8080", "EXPOSE 9090")))
        .anyMatch(p -> p.contains("EXPOSE 8080"));
    assertThat(
            problems(
                good.replace("ENTRYPOINT [\"java\", \\\n    \"-jar\"", "ENTRYPOINT java -jar")))
        .anyMatch(p -> p.contains("exec form"));
    assertThat(problems(good.replace("--from=build", "--from=0")))
        .anyMatch(p -> p.contains("named"));
    assertThat(problems(good.replace("--from=build", "--from=busybox:1.36")))
        .anyMatch(p -> p.contains("named"));

    // jlink output on a minimal base is a JRE too.
    String jlink =
        """
        ARG JDK=eclipse-temurin:17-jdk
        ARG BASE=debian:12-slim
        FROM ${JDK} AS jre
        RUN jlink --add-modules java.base --output /jre
        FROM ${BASE}
        COPY --from=jre /jre /opt/jre
        USER 65532
        EXPOSE 8080
        ENTRYPOINT ["/opt/jre/bin/java", "-version"]
        """;
    assertThat(problems(jlink)).isEmpty();
    assertThat(
            problems(jlink.replace("RUN jlink --add-modules java.base --output /jre", "RUN true")))
        .anyMatch(p -> p.contains("JRE"));

    // Bases are build arguments with defaults, and a stage on one does not hard-code JAVA_HOME.
    assertThat(problems(good.replace("FROM $RUNTIME_IMAGE", "FROM eclipse-temurin:17-jre")))
        .anyMatch(p -> p.contains("eclipse-temurin:17-jre") && p.contains("build argument"));
    assertThat(
            problems(
                good.replace("ARG BUILD_IMAGE=maven:3.9-eclipse-temurin-17", "ARG BUILD_IMAGE")))
        .anyMatch(p -> p.contains("BUILD_IMAGE") && p.contains("no default"));
    assertThat(
            problems(
                good.replace("ARG BUILD_IMAGE=maven:3.9-eclipse-temurin-17\n", "")
                    .replace("RUN mvn", "ARG BUILD_IMAGE=maven:3.9-eclipse-temurin-17\nRUN mvn")))
        .anyMatch(p -> p.contains("BUILD_IMAGE") && p.contains("no default"));
    assertThat(problems(good.replace("RUN mvn", "RUN JAVA_HOME=/opt/java/openjdk mvn")))
        .anyMatch(p -> p.contains("JAVA_HOME"));
    assertThat(problems(good.replace("RUN mvn", "ENV JAVA_HOME /usr/lib/jvm/jdk\nRUN mvn")))
        .anyMatch(p -> p.contains("JAVA_HOME"));
    assertThat(problems(good.replace("RUN mvn -B package", "RUN \"$JAVA_HOME/bin/jlink\" --help")))
        .isEmpty();
    assertThat(
            problems(
                good.replace("FROM ${BUILD_IMAGE}", "FROM scratch AS empty\nFROM ${BUILD_IMAGE}")))
        .isEmpty();
  }

  // --- parsing -------------------------------------------------------------------------------

  record Instruction(int line, String keyword, String args) {}

  /**
   * A stage: its base image with the global build arguments' defaults substituted, and the build
   * argument that names the whole base, if one does.
   */
  record Stage(
      int index, String image, String baseArg, String name, List<Instruction> instructions) {}

  /**
   * Instructions with their continuation lines joined. Comment lines (also inside a continuation)
   * and blank lines are skipped, as the builder does.
   */
  static List<Instruction> parse(String text) {
    List<Instruction> instructions = new ArrayList<>();
    StringBuilder current = null;
    int start = 0;
    String[] lines = text.split("\\R", -1);
    for (int i = 0; i < lines.length; i++) {
      String line = lines[i];
      String trimmed = line.strip();
      if (trimmed.startsWith("#") || (trimmed.isEmpty() && current == null)) {
        continue;
      }
      if (current == null) {
        current = new StringBuilder();
        start = i + 1;
      }
      boolean continues = trimmed.endsWith("\\");
      current.append(continues ? trimmed.substring(0, trimmed.length() - 1) : trimmed).append(' ');
      if (!continues) {
        String joined = current.toString().strip();
        current = null;
        if (joined.isEmpty()) {
          continue;
        }
        String[] parts = joined.split("\\s+", 2);
        instructions.add(
            new Instruction(
                start, parts[0].toUpperCase(Locale.ROOT), parts.length > 1 ? parts[1] : ""));
      }
    }
    if (current != null && !current.toString().isBlank()) {
      String[] parts = current.toString().strip().split("\\s+", 2);
      instructions.add(
          new Instruction(
              start, parts[0].toUpperCase(Locale.ROOT), parts.length > 1 ? parts[1] : ""));
    }
    return instructions;
  }

  static final Pattern FROM =
      Pattern.compile("(?:--platform=\\S+\\s+)?(\\S+)(?:\\s+(?i:as)\\s+(\\S+))?\\s*");

  /** {@code $NAME} or {@code ${NAME}}: the whole reference is one build argument. */
  static final Pattern WHOLE_ARG = Pattern.compile("\\$(?:\\{(\\w+)}|(\\w+))");

  /** Stages in order; global ARG defaults (before the first FROM) are substituted in FROM. */
  static List<Stage> stages(List<Instruction> instructions) {
    Map<String, String> globalArgs = new HashMap<>();
    List<Stage> stages = new ArrayList<>();
    for (Instruction instruction : instructions) {
      if ("FROM".equals(instruction.keyword())) {
        Matcher m = FROM.matcher(instruction.args());
        if (!m.matches()) {
          throw new IllegalArgumentException(
              "line " + instruction.line() + ": cannot read FROM " + instruction.args());
        }
        String image = substitute(m.group(1), globalArgs);
        Matcher wholeArg = WHOLE_ARG.matcher(m.group(1));
        String baseArg =
            !wholeArg.matches()
                ? null
                : wholeArg.group(1) != null ? wholeArg.group(1) : wholeArg.group(2);
        String name = m.group(2) == null ? null : m.group(2).toLowerCase(Locale.ROOT);
        stages.add(new Stage(stages.size(), image, baseArg, name, new ArrayList<>()));
      } else if (stages.isEmpty()) {
        if ("ARG".equals(instruction.keyword())) {
          String[] kv = instruction.args().split("=", 2);
          globalArgs.put(kv[0].strip(), kv.length > 1 ? unquote(kv[1].strip()) : "");
        }
      } else {
        stages.get(stages.size() - 1).instructions().add(instruction);
      }
    }
    return stages;
  }

  static String substitute(String value, Map<String, String> args) {
    Matcher m = Pattern.compile("\\$\\{?(\\w+)}?").matcher(value);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      m.appendReplacement(out, Matcher.quoteReplacement(args.getOrDefault(m.group(1), "")));
    }
    m.appendTail(out);
    return out.toString();
  }

  static String unquote(String s) {
    return s.length() >= 2 && (s.startsWith("\"") && s.endsWith("\""))
        ? s.substring(1, s.length() - 1)
        : s;
  }

  /** The tag of an image reference, or null; the digest is not part of it. */
  static String tag(String image) {
    String withoutDigest = image.contains("@") ? image.substring(0, image.indexOf('@')) : image;
    String lastPart = withoutDigest.substring(withoutDigest.lastIndexOf('/') + 1);
    int colon = lastPart.indexOf(':');
    return colon < 0 ? null : lastPart.substring(colon + 1);
  }

  static boolean hasDigest(String image) {
    return image.contains("@sha256:");
  }

  // --- rules ---------------------------------------------------------------------------------

  static final Pattern JRE_IMAGE =
      Pattern.compile("(?i)(^|[^a-z])jre([^a-z]|$)|distroless/java\\d*([^a-z]|$)");
  static final Pattern MINIMAL_IMAGE =
      Pattern.compile("(?i)distroless|slim|alpine|minimal|micro|chisel|^scratch$|busybox");
  static final Pattern COPY_FROM = Pattern.compile("--from=(\\S+)");
  static final Pattern HARD_CODED_JAVA_HOME =
      Pattern.compile("(?<![\\w$])JAVA_HOME(?:\\s*=\\s*|\\s+)[\"']?/");

  /** Problems of a Dockerfile without a build context (scripts it runs cannot be read). */
  static List<String> problems(String text) {
    return problems(text, null);
  }

  /**
   * Problems of a Dockerfile. {@code context}, when given, is the build context: a RUN that runs a
   * script from it counts as running jlink when the script does.
   */
  static List<String> problems(String text, Path context) {
    List<String> problems = new ArrayList<>();
    List<Instruction> instructions = parse(text);
    List<Stage> stages = stages(instructions);
    if (stages.size() < 2) {
      problems.add("not a multi-stage build: " + stages.size() + " FROM");
    }
    if (stages.isEmpty()) {
      return problems;
    }

    // Images: a build argument with a default, an explicit tag (or digest), never latest; earlier
    // stages and scratch excepted.
    List<String> names = new ArrayList<>();
    for (Stage stage : stages) {
      String image = stage.image();
      boolean earlierStage = names.contains(image.toLowerCase(Locale.ROOT));
      if (!earlierStage && !"scratch".equals(image)) {
        String tag = tag(image);
        if (stage.baseArg() == null) {
          problems.add(
              "FROM "
                  + image
                  + ": name the base through a build argument (ARG <NAME>="
                  + image
                  + " before the first FROM, then FROM ${<NAME>}), so a build can substitute an"
                  + " equivalent image");
        }
        if (image.isEmpty()) {
          problems.add(
              "FROM ${"
                  + stage.baseArg()
                  + "}: no default (ARG "
                  + stage.baseArg()
                  + "=<image> before the first FROM)");
        } else if ((tag == null && !hasDigest(image)) || "latest".equalsIgnoreCase(tag)) {
          problems.add("FROM " + image + ": latest (explicit or implied) is not reproducible");
        }
      }
      // A substitutable base sets its own JAVA_HOME; another JDK has it elsewhere.
      if (stage.baseArg() != null) {
        for (Instruction instruction : stage.instructions()) {
          boolean sets =
              ("RUN".equals(instruction.keyword()) || "ENV".equals(instruction.keyword()))
                  && HARD_CODED_JAVA_HOME.matcher(instruction.args()).find();
          if (sets) {
            problems.add(
                "line "
                    + instruction.line()
                    + ": JAVA_HOME hard-coded on a base from ${"
                    + stage.baseArg()
                    + "}: use the base's $JAVA_HOME");
          }
        }
      }
      // COPY --from: a named stage defined before this one.
      for (Instruction instruction : stage.instructions()) {
        if ("COPY".equals(instruction.keyword())) {
          Matcher m = COPY_FROM.matcher(instruction.args());
          if (m.find() && !names.contains(m.group(1).toLowerCase(Locale.ROOT))) {
            problems.add(
                "line "
                    + instruction.line()
                    + ": COPY --from="
                    + m.group(1)
                    + " is not a named earlier stage (named: "
                    + names
                    + ")");
          }
        }
      }
      if (stage.name() != null) {
        names.add(stage.name());
      }
    }

    // No remote ADD anywhere (unverified downloads; use curl with a checksum, or COPY).
    for (Instruction instruction : instructions) {
      if ("ADD".equals(instruction.keyword())
          && Pattern.compile("(?i)(^|\\s)(https?://|git@|git://)")
              .matcher(instruction.args())
              .find()) {
        problems.add(
            "line " + instruction.line() + ": ADD of a remote source: " + instruction.args());
      }
    }

    Stage runtime = stages.get(stages.size() - 1);
    boolean jre = JRE_IMAGE.matcher(runtime.image()).find();
    boolean jlinked =
        MINIMAL_IMAGE.matcher(runtime.image()).find()
            && runtime.instructions().stream()
                .filter(i -> "COPY".equals(i.keyword()))
                .map(i -> COPY_FROM.matcher(i.args()))
                .filter(Matcher::find)
                .map(m -> m.group(1).toLowerCase(Locale.ROOT))
                .anyMatch(
                    from ->
                        stages.stream()
                            .filter(s -> from.equals(s.name()))
                            .flatMap(s -> s.instructions().stream())
                            .anyMatch(
                                i -> "RUN".equals(i.keyword()) && runsJlink(i.args(), context)));
    if (!jre && !jlinked) {
      problems.add(
          "runtime stage FROM "
              + runtime.image()
              + " is not a JRE (nor jlink output on a slim or distroless base)");
    }

    List<Instruction> users = of(runtime, "USER");
    if (users.isEmpty()) {
      problems.add("runtime stage has no USER: the image would run as its base's user");
    } else {
      String user = users.get(users.size() - 1).args().strip();
      String uid = user.split(":", 2)[0];
      String gid = user.contains(":") ? user.split(":", 2)[1] : "0";
      if (!uid.matches("\\d+") || !gid.matches("\\d+")) {
        problems.add(
            "USER "
                + user
                + " is not numeric: runAsNonRoot can only verify a numeric user (e.g. 65532:65532)");
      } else if (Long.parseLong(uid) == 0) {
        problems.add("USER " + user + " is root");
      }
    }

    List<Instruction> entrypoints = of(runtime, "ENTRYPOINT");
    if (entrypoints.isEmpty()) {
      problems.add("runtime stage has no ENTRYPOINT");
    } else {
      String entrypoint = entrypoints.get(entrypoints.size() - 1).args().strip();
      if (!entrypoint.matches(
          "\\[\\s*\"(?:[^\"\\\\]|\\\\.)*\"(\\s*,\\s*\"(?:[^\"\\\\]|\\\\.)*\")*\\s*]")) {
        problems.add(
            "ENTRYPOINT "
                + entrypoint
                + " is not in exec form (a JSON array): a shell would be PID 1 and swallow SIGTERM");
      }
    }

    boolean exposes8080 =
        of(runtime, "EXPOSE").stream()
            .flatMap(i -> List.of(i.args().strip().split("\\s+")).stream())
            .anyMatch(port -> port.equals("8080") || port.equals("8080/tcp"));
    if (!exposes8080) {
      problems.add("runtime stage does not EXPOSE 8080 (health and metrics)");
    }
    return problems;
  }

  /** The command line calls jlink, or a script of the build context that does. */
  static boolean runsJlink(String command, Path context) {
    if (command.contains("jlink")) {
      return true;
    }
    if (context == null) {
      return false;
    }
    for (String token : command.split("[\\s;&|()]+")) {
      String path = token.startsWith("./") ? token.substring(2) : token;
      if (path.isEmpty() || path.startsWith("/") || path.contains("..") || path.contains("=")) {
        continue;
      }
      Path script = context.resolve(path);
      try {
        if (Files.isRegularFile(script) && Files.readString(script).contains("jlink")) {
          return true;
        }
      } catch (IOException | java.io.UncheckedIOException e) {
        // not a readable text file: not a script
      }
    }
    return false;
  }

  /** Advice that does not fail the build. */
  static List<String> notes(String text) {
    List<Stage> stages = stages(parse(text));
    List<String> notes = new ArrayList<>();
    if (!stages.isEmpty() && !hasDigest(stages.get(stages.size() - 1).image())) {
      Stage runtime = stages.get(stages.size() - 1);
      notes.add(
          "runtime base "
              + runtime.image()
              + " is not pinned by digest (@sha256:...): a rebuild may pick up a different image"
              + (runtime.baseArg() == null
                  ? ""
                  : "; pass --build-arg " + runtime.baseArg() + "=<image>@sha256:<digest>"));
    }
    return notes;
  }

  static List<Instruction> of(Stage stage, String keyword) {
    return stage.instructions().stream().filter(i -> keyword.equals(i.keyword())).toList();
  }
}
