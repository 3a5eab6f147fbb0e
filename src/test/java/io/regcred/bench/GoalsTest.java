package io.regcred.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class GoalsTest {

  @Test
  void eachGoalSaysMetNotMetOrNotMeasured() {
    Map<String, Object> values = new HashMap<>();
    values.put("fanoutTimeRatio", 2.0);
    values.put("rotationTimeRatio", 2.01);
    values.put("restartWrites", 0L);
    values.put("cloudCallsPerRotation", 1.33);
    values.put("heapRatioTenantSecrets", 1.1);
    values.put("rssRatioTenantSecrets", 0.89);

    List<String> table = Goals.table(values);

    assertThat(line(table, "fanoutTimeRatio")).contains(" 2 ").contains(" met ");
    assertThat(line(table, "rotationTimeRatio")).contains("2.01").contains("NOT MET");
    assertThat(line(table, "restartWrites")).contains(" met ");
    assertThat(line(table, "cloudCallsPerRotation")).contains("1.33").contains("NOT MET");
    assertThat(line(table, "heapRatioTenantSecrets")).contains(" met ");
    assertThat(line(table, "rssRatioTenantSecrets")).contains("NOT MET");
    assertThat(line(table, "onboardingIdleP99Ms")).contains("not measured");
  }

  @Test
  void writesPerOnboardingAllowTwoObjectWritesAndAStatusWriteASecond() {
    Map<String, Object> values = new HashMap<>();
    values.put("writesPerOnboarding", 2.3);
    values.put("objectWritesPerOnboarding", 2.0);
    values.put("onboardingStatusWritesPerSecond", 0.9);
    assertThat(line(Goals.table(values), "writesPerOnboarding")).contains(" met ");

    values.put("onboardingStatusWritesPerSecond", 2.8);
    assertThat(line(Goals.table(values), "writesPerOnboarding")).contains("NOT MET");

    values.put("onboardingStatusWritesPerSecond", 0.9);
    values.put("objectWritesPerOnboarding", 3.0);
    assertThat(line(Goals.table(values), "writesPerOnboarding")).contains("NOT MET");

    values.remove("objectWritesPerOnboarding");
    assertThat(line(Goals.table(values), "writesPerOnboarding")).contains("not measured");
  }

  private static String line(List<String> table, String key) {
    return table.stream().filter(l -> l.startsWith(key + " ")).findFirst().orElseThrow();
  }
}
