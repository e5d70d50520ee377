package io.tcpgate.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;

/** A blocking raw-byte TCP client for tests; every read has a deadline, so a test fails instead of hanging. */
public final class RawClient implements AutoCloseable {

  /** How long a read waits before the test fails. */
  public static final int READ_TIMEOUT_MS = 20_000;

  private final Socket socket;
  private final InputStream in;
  private final OutputStream out;

  private RawClient(Socket socket) throws IOException {
    this.socket = socket;
    this.socket.setSoTimeout(READ_TIMEOUT_MS);
    this.socket.setTcpNoDelay(true);
    this.in = socket.getInputStream();
    this.out = socket.getOutputStream();
  }

  public static RawClient connect(int port) throws IOException {
    return connect("127.0.0.1", port);
  }

  public static RawClient connect(String host, int port) throws IOException {
    Socket socket = new Socket();
    socket.connect(new InetSocketAddress(host, port), READ_TIMEOUT_MS);
    return new RawClient(socket);
  }

  /** Connects from the local address {@code source} (e.g. 127.0.0.2: every 127/8 address reaches loopback). */
  public static RawClient connectFrom(String source, String host, int port) throws IOException {
    Socket socket = new Socket();
    socket.bind(new InetSocketAddress(source, 0));
    socket.connect(new InetSocketAddress(host, port), READ_TIMEOUT_MS);
    return new RawClient(socket);
  }

  /**
   * Whether the server reset the connection (RST) without sending anything: true for a reset, false for a clean end
   * of stream; fails when data arrives or nothing happens within the read timeout.
   */
  public boolean awaitReset() throws IOException {
    try {
      int b = in.read();
      if (b >= 0) {
        throw new IOException("data arrived instead of a reset: byte " + b);
      }
      return false;
    } catch (SocketTimeoutException e) {
      throw new IOException("server did not close within " + READ_TIMEOUT_MS + " ms", e);
    } catch (java.net.SocketException e) {
      if (String.valueOf(e.getMessage()).contains("reset")) {
        return true;
      }
      throw e;
    }
  }

  /**
   * Connects from {@code source} and waits for the server's reset, which may already arrive while connect() returns
   * (the kernel completes the handshake before the server accepts and resets).
   *
   * @return true for a reset; fails when data arrives, the server closes cleanly, or nothing happens in time
   */
  public static boolean connectAndAwaitReset(String source, String host, int port) throws IOException {
    RawClient client;
    try {
      client = connectFrom(source, host, port);
    } catch (java.net.SocketException e) {
      if (String.valueOf(e.getMessage()).contains("reset")) {
        return true;
      }
      throw e;
    }
    try (client) {
      return client.awaitReset();
    }
  }

  public Socket socket() {
    return socket;
  }

  public RawClient send(byte[] bytes) throws IOException {
    out.write(bytes);
    out.flush();
    return this;
  }

  public RawClient send(String text) throws IOException {
    return send(text.getBytes(StandardCharsets.UTF_8));
  }

  /** Reads one LF-terminated line (without the LF). */
  public String readLine() throws IOException {
    return readLine(in);
  }

  /** Reads one LF-terminated line (without the LF) from {@code socket}, one byte at a time (nothing read ahead). */
  public static String readLine(Socket socket) throws IOException {
    return readLine(socket.getInputStream());
  }

  private static String readLine(java.io.InputStream in) throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    while (true) {
      int b = in.read();
      if (b < 0) {
        throw new IOException("connection closed after '" + line.toString(StandardCharsets.UTF_8) + "'");
      }
      if (b == '\n') {
        return line.toString(StandardCharsets.UTF_8);
      }
      line.write(b);
    }
  }

  /** Reads exactly {@code n} bytes. */
  public byte[] readExactly(int n) throws IOException {
    byte[] bytes = in.readNBytes(n);
    if (bytes.length != n) {
      throw new IOException("connection closed after " + bytes.length + " of " + n + " bytes");
    }
    return bytes;
  }

  /** Waits for the server to close: true on a clean end of stream or a reset, false if data arrives instead. */
  public boolean awaitClosedByServer() throws IOException {
    try {
      int b = in.read();
      return b < 0;
    } catch (SocketTimeoutException e) {
      throw new IOException("server did not close within " + READ_TIMEOUT_MS + " ms", e);
    } catch (IOException e) {
      return true;
    }
  }

  /**
   * Reads UTF-8 lines from {@code socket} until the server closes it (its socket read timeout still applies), telling
   * {@code onLine} after each.
   */
  public static java.util.List<String> readLinesUntilEof(Socket socket, Runnable onLine) throws IOException {
    java.util.List<String> lines = new java.util.ArrayList<>();
    java.io.BufferedReader in = new java.io.BufferedReader(new java.io.InputStreamReader(socket.getInputStream(),
      StandardCharsets.UTF_8));
    String line;
    while ((line = in.readLine()) != null) {
      lines.add(line);
      onLine.run();
    }
    return lines;
  }

  /** Closes with an RST instead of a FIN, like a peer that vanished. */
  public void reset() throws IOException {
    socket.setSoLinger(true, 0);
    socket.close();
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
