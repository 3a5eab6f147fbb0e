package io.regcred.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Predicate;

/**
 * What the project aims for with each figure of the scale benchmark, and whether a run met it: one
 * block at the end of the table. A goal is printed, never asserted.
 */
final class Goals {

  /**
   * One goal.
   *
   * @param key the figure shown
   * @param what what it is
   * @param goal the goal, as printed
   * @param met whether the figures of a run meet it (all figures it reads are there)
   * @param reads the figures it reads
   */
  record Goal(
      String key,
      String what,
      String goal,
      Predicate<Map<String, Object>> met,
      List<String> reads) {

    static Goal atMost(String key, String what, double limit, String unit) {
      return new Goal(
          key, what, "<= " + number(limit) + unit, v -> value(v, key) <= limit, List.of(key));
    }

    static Goal exactly(String key, String what, double goal) {
      return new Goal(key, what, number(goal), v -> value(v, key) == goal, List.of(key));
    }

    /** A ratio to an earlier figure of the same run: flat within 10 %. */
    static Goal flat(String key, String what) {
      return new Goal(
          key,
          what,
          "0.90 - 1.10",
          v -> value(v, key) >= 0.9 && value(v, key) <= 1.1,
          List.of(key));
    }
  }

  static final List<Goal> ALL =
      List.of(
          Goal.atMost("fanoutTimeRatio", "fan-out / raw writer, cold", 2, ""),
          Goal.atMost("fanoutWarmTimeRatio", "fan-out / raw writer, warm", 2, ""),
          Goal.atMost("rotationTimeRatio", "rotation to all / raw writer", 2, ""),
          Goal.atMost("onboardingIdleP99Ms", "onboarding p99 at idle", 100, " ms"),
          Goal.atMost(
              "onboardingUnderRotationP99Ms", "onboarding p99 during rotations", 1000, " ms"),
          Goal.atMost("cpuMsPerNamespace", "operator CPU per namespace, cold", 1, " ms"),
          Goal.atMost("cpuMsPerNamespaceWarm", "operator CPU per namespace, warm", 1, " ms"),
          Goal.atMost("rssMiB", "RSS after the fan-out", 150, " MiB"),
          Goal.atMost("rssAfterOnboardingMiB", "RSS after the onboarding", 150, " MiB"),
          Goal.atMost("readyMs", "JVM start to ready", 1500, " ms"),
          Goal.atMost("restartReadyMs", "JVM start to ready, restart", 1500, " ms"),
          new Goal(
              "writesPerOnboarding",
              "writes per onboarding",
              "2, status <= 1/s",
              v ->
                  value(v, "objectWritesPerOnboarding") <= 2
                      && value(v, "onboardingStatusWritesPerSecond") <= 1,
              List.of(
                  "writesPerOnboarding",
                  "objectWritesPerOnboarding",
                  "onboardingStatusWritesPerSecond")),
          Goal.exactly("restartWrites", "writes after a restart", 0),
          Goal.exactly("cloudCallsPerRotation", "cloud calls per rotation", 1),
          Goal.flat("heapRatioUnrelatedSecrets", "heap after GC, + unrelated Secrets"),
          Goal.flat("rssRatioUnrelatedSecrets", "RSS, + unrelated Secrets"),
          Goal.flat("heapRatioTenantSecrets", "heap after GC, + labelled 1 MiB Secrets"),
          Goal.flat("rssRatioTenantSecrets", "RSS, + labelled 1 MiB Secrets"));

  private static final String FORMAT = "%-30s %10s   %-17s %-13s %s";

  private Goals() {}

  /** One line per goal: the figure, the goal, and met, NOT MET or not measured. */
  static List<String> table(Map<String, Object> values) {
    List<String> lines = new ArrayList<>();
    lines.add(String.format(Locale.ROOT, FORMAT, "goals: figure", "value", "aim", "", "what"));
    for (Goal goal : ALL) {
      boolean measured = goal.reads().stream().allMatch(values::containsKey);
      String figure = measured ? number(value(values, goal.key())) : "-";
      String met = !measured ? "not measured" : goal.met().test(values) ? "met" : "NOT MET";
      lines.add(
          String.format(Locale.ROOT, FORMAT, goal.key(), figure, goal.goal(), met, goal.what()));
    }
    return lines;
  }

  private static double value(Map<String, Object> values, String key) {
    return ((Number) values.get(key)).doubleValue();
  }

  private static String number(double value) {
    return value == Math.rint(value)
        ? Long.toString((long) value)
        : String.format(Locale.ROOT, "%.2f", value);
  }
}
