package io.regcred;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/** The README's reference tables, read as rows of cells, for tests that hold them to the code. */
public final class ReadmeTables {

  private ReadmeTables() {}

  /**
   * The rows of the table whose header row is {@code header} (such as {@code | reason | where |
   * meaning |}), each as its cells without the surrounding spaces; fails when there is none.
   */
  public static List<List<String>> rows(String header) throws IOException {
    String readme = Files.readString(Path.of("README.md"));
    int start = readme.indexOf(header + "\n|---");
    assertThat(start).as("the README has the table " + header).isNotNegative();
    int end = readme.indexOf("\n\n", start);
    return readme
        .substring(start, end < 0 ? readme.length() : end)
        .lines()
        .skip(2)
        .map(ReadmeTables::cells)
        .toList();
  }

  /** The first cell without its backquotes: the name a row is about. */
  public static String name(List<String> row) {
    return row.get(0).replace("`", "");
  }

  private static List<String> cells(String line) {
    String inner = line.strip();
    assertThat(inner).as("a table row").startsWith("| ").endsWith(" |");
    return Arrays.stream(inner.substring(2, inner.length() - 2).split(" \\| "))
        .map(String::strip)
        .toList();
  }
}
