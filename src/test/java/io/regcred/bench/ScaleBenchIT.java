package io.regcred.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

/**
 * The scale benchmark ({@link ScaleBench}) at 50 namespaces with small counts (10 onboardings in
 * each phase, one cloud rotation, 200 unrelated and 5 labelled Secrets) and a 10-second restart
 * window, so that it keeps working: every figure is produced and the operator converges in each
 * phase (the run fails if it does not). Nothing here asserts how fast.
 */
class ScaleBenchIT {

  @Test
  void smallRunProducesEveryFigure() throws Exception {
    var settings =
        new ScaleRun.Settings(50, 10, Duration.ofSeconds(10), 1, 200, 5, OptionalInt.empty(), true);

    Figures figures = new ScaleRun(settings).run();

    List<String> everyGoalsFigure =
        Goals.ALL.stream().flatMap(g -> g.reads().stream()).distinct().toList();
    assertThat(figures.values()).containsKeys(everyGoalsFigure.toArray(String[]::new));
    assertThat(figures.values())
        .containsKeys("fanoutRequests", "cloudCallsFanout", "heapAfterGcMiB", "cleanupWrites");
    for (String positive :
        new String[] {
          "fanoutTimeRatio",
          "fanoutWarmTimeRatio",
          "rotationTimeRatio",
          "cpuMsPerNamespace",
          "cpuMsPerNamespaceWarm",
          "rssMiB",
          "readyMs",
          "heapAfterGcMiB",
          "onboardingUnderRotationP99Ms",
          "cloudCallsPerRotation"
        }) {
      assertThat(((Number) figures.values().get(positive)).doubleValue()).as(positive).isPositive();
    }
    assertThat((long) figures.values().get("baselineFanoutWrites"))
        .as("the baseline wrote each Secret and ServiceAccount once")
        .isEqualTo(100);
    assertThat((long) figures.values().get("fanoutWrites"))
        .as("the operator's writes were seen in the audit log")
        .isGreaterThanOrEqualTo(100);
    assertThat(ScaleRun.OUTPUT.resolve("scale-50.json")).exists();
    assertThat(Files.readString(ScaleRun.OUTPUT.resolve("scale-50.json")))
        .contains("\"fanoutTimeRatio\"");
    assertThat(figures.lines()).anyMatch(l -> l.contains("fan-out") && l.contains("ratio"));
    assertThat(figures.lines())
        .as("the goals block names every goal")
        .anySatisfy(l -> assertThat(l).contains("cloudCallsPerRotation"));
  }
}
