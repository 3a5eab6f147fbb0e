package io.regcred.provider;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import org.junit.jupiter.api.Test;

class BoundedBodyTest {

  private static InputStream bytes(int n) {
    return new ByteArrayInputStream(new byte[n]);
  }

  @Test
  void aBodyOfExactlyTheBoundIsRead() throws IOException {
    assertThat(BoundedBody.read(bytes(BoundedBody.MAX_BYTES))).hasSize(BoundedBody.MAX_BYTES);
    assertThat(BoundedBody.limit(bytes(BoundedBody.MAX_BYTES)).readAllBytes())
        .hasSize(BoundedBody.MAX_BYTES);
  }

  @Test
  void oneByteMoreFails() {
    assertThatThrownBy(() -> BoundedBody.read(bytes(BoundedBody.MAX_BYTES + 1)))
        .isInstanceOf(BoundedBody.TooLargeException.class)
        .hasMessage("the response body is larger than 64 KiB");
    assertThatThrownBy(() -> BoundedBody.limit(bytes(BoundedBody.MAX_BYTES + 1)).readAllBytes())
        .isInstanceOf(BoundedBody.TooLargeException.class);
  }

  @Test
  void anErrorBodyIsCutAtTheBound() throws IOException {
    assertThat(BoundedBody.truncate(bytes(10 * BoundedBody.MAX_BYTES)).readAllBytes())
        .hasSize(BoundedBody.MAX_BYTES);
  }

  @Test
  void singleByteReadsCountToo() throws IOException {
    InputStream in = BoundedBody.limit(bytes(BoundedBody.MAX_BYTES + 1));
    for (int i = 0; i < BoundedBody.MAX_BYTES; i++) {
      assertThat(in.read()).isZero();
    }
    assertThatThrownBy(in::read).isInstanceOf(BoundedBody.TooLargeException.class);
  }
}
