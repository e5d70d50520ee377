package io.tcpgate.testing;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A blocking raw client of tcpgate's event-bus bridge for tests: frames are a 4-byte big-endian length and a UTF-8
 * JSON document. Every read has a deadline and fails with an {@link AssertionError} that says what arrived, so a
 * test fails instead of hanging. Writes may come from any thread; reads from one thread at a time.
 */
public final class BridgeClient implements AutoCloseable {

  /** How long a read waits unless told otherwise. */
  public static final Duration READ_TIMEOUT = Duration.ofSeconds(15);
  /** A frame longer than this from the bridge is taken as a broken stream rather than buffered. */
  private static final int MAX_INCOMING = 64 * 1024 * 1024;

  private final Socket socket;
  private final InputStream in;
  private final OutputStream out;
  private final Deque<JsonObject> backlog = new ArrayDeque<>();
  private byte[] buffered = new byte[16 * 1024];
  private int length;
  private boolean endOfStream;

  private BridgeClient(Socket socket) throws IOException {
    this.socket = socket;
    this.socket.setTcpNoDelay(true);
    this.in = socket.getInputStream();
    this.out = socket.getOutputStream();
  }

  /** Connects to the bridge on 127.0.0.1:{@code port}. */
  public static BridgeClient connect(int port) throws IOException {
    return connect(port, -1);
  }

  /**
   * Connects with a receive buffer of {@code receiveBufferBytes} (set before the connect, so the TCP window is
   * small too), or the system's default when negative: a client that stops reading then fills up sooner.
   */
  public static BridgeClient connect(int port, int receiveBufferBytes) throws IOException {
    Socket socket = new Socket();
    if (receiveBufferBytes > 0) {
      socket.setReceiveBufferSize(receiveBufferBytes);
    }
    socket.connect(new InetSocketAddress("127.0.0.1", port), (int) READ_TIMEOUT.toMillis());
    return new BridgeClient(socket);
  }

  public Socket socket() {
    return socket;
  }

  /** One frame on the wire: the document's length (4 bytes, big-endian), then the document. */
  public static byte[] frame(byte[] document) {
    return ByteBuffer.allocate(4 + document.length).putInt(document.length).put(document).array();
  }

  /** One frame on the wire for {@code json}. */
  public static byte[] frame(JsonObject json) {
    return frame(json.encode().getBytes(StandardCharsets.UTF_8));
  }

  /** Sends {@code json} as one frame. */
  public BridgeClient send(JsonObject json) throws IOException {
    return sendRaw(frame(json));
  }

  /** Sends bytes as they are: a header without its payload, a document that is not JSON, half a frame. */
  public synchronized BridgeClient sendRaw(byte[] bytes) throws IOException {
    out.write(bytes);
    out.flush();
    return this;
  }

  /** Sends {@code register} for {@code address}, then pings and waits for the pong: the registration is in place. */
  public BridgeClient register(String address) throws IOException {
    send(new JsonObject().put("type", "register").put("address", address));
    List<JsonObject> before = sync();
    for (JsonObject frame : before) {
      if ("err".equals(frame.getString("type"))) {
        throw new AssertionError("register for '" + address + "' was refused: " + frame.encode());
      }
    }
    backlog.addAll(before);
    return this;
  }

  /**
   * Pings and reads until the pong; returns the frames that came before it. The bridge handles a client's frames in
   * order, so everything sent before the ping has been handled once the pong is here.
   */
  public List<JsonObject> sync() throws IOException {
    send(new JsonObject().put("type", "ping"));
    List<JsonObject> before = new ArrayList<>();
    while (true) {
      JsonObject frame = read();
      if ("pong".equals(frame.getString("type"))) {
        return before;
      }
      before.add(frame);
    }
  }

  /** Answers a request the client received ({@code message} has a {@code replyAddress}) with {@code body}. */
  public BridgeClient reply(JsonObject message, Object body) throws IOException {
    return reply(message, body, null);
  }

  /** Answers a request with {@code body} and {@code headers} (may be null). */
  public BridgeClient reply(JsonObject message, Object body, JsonObject headers) throws IOException {
    JsonObject reply = new JsonObject().put("type", "send").put("address", replyAddress(message)).put("body", body);
    if (headers != null) {
      reply.put("headers", headers);
    }
    return send(reply);
  }

  /** Fails a request the client received. */
  public BridgeClient fail(JsonObject message, int failureCode, String text) throws IOException {
    return send(new JsonObject().put("type", "send").put("address", replyAddress(message))
      .put("failureCode", failureCode).put("message", text));
  }

  private static String replyAddress(JsonObject message) {
    String replyAddress = message.getString("replyAddress");
    if (replyAddress == null) {
      throw new AssertionError("not a request (no replyAddress): " + message.encode());
    }
    return replyAddress;
  }

  /** The next frame; fails if none comes within {@link #READ_TIMEOUT}. */
  public JsonObject read() throws IOException {
    return read(READ_TIMEOUT);
  }

  /** The next frame; fails if none comes within {@code timeout} or the bridge closes the connection first. */
  public JsonObject read(Duration timeout) throws IOException {
    JsonObject frame = poll(timeout);
    if (frame == null) {
      throw new AssertionError("no frame from the bridge within " + timeout + " (" + length
        + " bytes of an incomplete frame buffered)");
    }
    return frame;
  }

  /** The next frame of {@code type}, failing on any other frame before it. */
  public JsonObject read(String type) throws IOException {
    JsonObject frame = read();
    if (!type.equals(frame.getString("type"))) {
      throw new AssertionError("expected a '" + type + "' frame, got " + frame.encode());
    }
    return frame;
  }

  /**
   * The next frame, or {@code null} when none is complete within {@code timeout}; fails if the bridge closes the
   * connection first.
   */
  public JsonObject poll(Duration timeout) throws IOException {
    if (!backlog.isEmpty()) {
      return backlog.poll();
    }
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      JsonObject frame = nextBuffered();
      if (frame != null) {
        return frame;
      }
      if (endOfStream) {
        throw new AssertionError("the bridge closed the connection (" + length
          + " bytes of an incomplete frame buffered)");
      }
      if (!readMore(deadline)) {
        return null;
      }
    }
  }

  /**
   * Reads until the bridge closes the connection (end of stream or reset) and returns the frames that came before;
   * fails if it stays open for {@code timeout}.
   */
  public List<JsonObject> awaitClose(Duration timeout) throws IOException {
    List<JsonObject> before = new ArrayList<>(backlog);
    backlog.clear();
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      JsonObject frame = nextBuffered();
      if (frame != null) {
        before.add(frame);
        continue;
      }
      if (endOfStream) {
        return before;
      }
      if (!readMore(deadline)) {
        throw new AssertionError("the bridge did not close the connection within " + timeout + "; frames before: "
          + before);
      }
    }
  }

  /** Whether the client has seen the bridge's end of stream (or a reset). */
  public boolean endOfStream() {
    return endOfStream;
  }

  /** Reads what arrives until {@code deadline}; false when nothing did. A reset counts as the end of stream. */
  private boolean readMore(long deadlineNanos) throws IOException {
    long remainingMs = TimeUnit.NANOSECONDS.toMillis(deadlineNanos - System.nanoTime());
    if (remainingMs <= 0) {
      return false;
    }
    if (buffered.length - length < 8192) {
      buffered = Arrays.copyOf(buffered, buffered.length * 2);
    }
    socket.setSoTimeout((int) Math.min(Integer.MAX_VALUE, remainingMs));
    int n;
    try {
      n = in.read(buffered, length, buffered.length - length);
    } catch (SocketTimeoutException e) {
      return false;
    } catch (IOException e) {
      if (socket.isClosed()) {
        throw e;
      }
      endOfStream = true;
      return true;
    }
    if (n < 0) {
      endOfStream = true;
    } else {
      length += n;
    }
    return true;
  }

  /** Cuts one complete frame from the buffered bytes, or returns null. */
  private JsonObject nextBuffered() {
    if (length < 4) {
      return null;
    }
    long size = ByteBuffer.wrap(buffered, 0, 4).getInt() & 0xFFFF_FFFFL;
    if (size > MAX_INCOMING) {
      throw new AssertionError("the bridge announced a frame of " + size + " bytes");
    }
    if (length < 4 + size) {
      return null;
    }
    int end = 4 + (int) size;
    Buffer document = Buffer.buffer(Arrays.copyOfRange(buffered, 4, end));
    System.arraycopy(buffered, end, buffered, 0, length - end);
    length -= end;
    try {
      return new JsonObject(document);
    } catch (RuntimeException e) {
      throw new AssertionError("the bridge sent a frame that is not a JSON object: '" + document + "'", e);
    }
  }

  /** Shuts the write side down (FIN); reading goes on. */
  public void shutdownOutput() throws IOException {
    socket.shutdownOutput();
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
