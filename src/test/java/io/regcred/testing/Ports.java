package io.regcred.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;

/** Ports for the servers tests start, which listen on 127.0.0.1 only. */
public final class Ports {

  private Ports() {}

  /**
   * A port of 127.0.0.1 nothing listens on now: the kernel's pick, closed again at once. A test
   * either starts a server on it or uses it as an address where a connection is refused.
   */
  public static int freeLoopbackPort() {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException("no free port on 127.0.0.1", e);
    }
  }
}
