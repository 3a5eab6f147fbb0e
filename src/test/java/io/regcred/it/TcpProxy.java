package io.regcred.it;

import io.regcred.testing.Ports;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A TCP pass-through on 127.0.0.1 that a test can cut and restore on the same port, to make a
 * client lose its connections (watches included) to a real server and then get them back.
 */
final class TcpProxy implements AutoCloseable {

  private final int targetPort;
  private final int port;
  private final List<Socket> open = new CopyOnWriteArrayList<>();
  private final List<byte[]> greetings = new CopyOnWriteArrayList<>();
  private volatile ServerSocket server;

  TcpProxy(int targetPort) throws IOException {
    this.targetPort = targetPort;
    this.port = Ports.freeLoopbackPort();
    start();
  }

  int port() {
    return port;
  }

  /**
   * What the server sent first on each connection so far (one read, up to {@link #GREETING_BYTES}):
   * on a TLS connection, the start of its ServerHello, which is not encrypted.
   */
  List<byte[]> serverGreetings() {
    return List.copyOf(greetings);
  }

  static final int GREETING_BYTES = 128;

  /** Accepts connections again, on the same port (if it does not already). */
  synchronized void start() throws IOException {
    if (server != null && !server.isClosed()) {
      return;
    }
    ServerSocket s = new ServerSocket();
    s.setReuseAddress(true);
    s.bind(new InetSocketAddress("127.0.0.1", port));
    server = s;
    Thread acceptor = new Thread(() -> accept(s), "tcp-proxy-accept");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  /** Refuses new connections and breaks every open one. */
  synchronized void cut() throws IOException {
    server.close();
    for (Socket s : open) {
      s.close();
    }
    open.clear();
  }

  @Override
  public void close() throws IOException {
    cut();
  }

  private void accept(ServerSocket s) {
    while (!s.isClosed()) {
      Socket client;
      try {
        client = s.accept();
      } catch (IOException e) {
        continue; // closed by cut()
      }
      try {
        Socket upstream = new Socket("127.0.0.1", targetPort);
        open.add(client);
        open.add(upstream);
        pipe(client, upstream, false);
        pipe(upstream, client, true);
      } catch (IOException e) {
        // The target refused (it is down): so is the client, at once rather than at its timeout.
        try {
          client.close();
        } catch (IOException ignored) {
          // already closed
        }
      }
    }
  }

  private void pipe(Socket from, Socket to, boolean fromServer) {
    Thread t =
        new Thread(
            () -> {
              try (InputStream in = from.getInputStream();
                  OutputStream out = to.getOutputStream()) {
                if (fromServer) {
                  // One read, so that a server that says little first is not held up.
                  byte[] first = new byte[GREETING_BYTES];
                  int n = in.read(first);
                  if (n > 0) {
                    greetings.add(Arrays.copyOf(first, n));
                    out.write(first, 0, n);
                  }
                }
                in.transferTo(out);
              } catch (IOException e) {
                // one side closed
              } finally {
                try {
                  from.close();
                  to.close();
                } catch (IOException ignored) {
                  // already closed
                }
              }
            },
            "tcp-proxy-pipe");
    t.setDaemon(true);
    t.start();
  }
}
