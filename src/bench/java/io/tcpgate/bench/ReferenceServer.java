package io.tcpgate.bench;

import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.ThreadingModel;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.Message;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.NetSocket;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.parsetools.RecordParser;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The two reference echo servers tcpgate is measured against, each in its own process:
 * <pre>
 * java -cp CP io.tcpgate.bench.ReferenceServer direct|naive --port P --framing lines|length-prefixed [--workers N]
 *      [--tls-cert CERT.pem --tls-key KEY.pem]
 * </pre>
 * <ul>
 *   <li>{@code direct}: a minimal Vert.x 5 NetServer, one verticle instance per event loop on one shared port,
 *       framing with {@link RecordParser} and writing each reply directly on the event loop. The ceiling for
 *       anything built on Vert.x.</li>
 *   <li>{@code naive}: the same server, but every frame is sent with {@code vertx.eventBus().request()} to an echo
 *       consumer in a worker verticle ({@link ThreadingModel#WORKER}), and the reply is written when it arrives.
 *       The floor: what "just put it on the event bus" costs.</li>
 * </ul>
 * Port 0 takes one ephemeral port shared by all instances. Prints {@code listening on PORT} when ready; runs until
 * killed. Replies use the request's framing (lines get {@code "\n"}; length-prefixed a 4-byte big-endian header).
 * Both servers stop reading a connection while its write queue is full. Vert.x runs with its defaults (NIO
 * transport, 2 &times; cores event loops), like tcpgate. With {@code --tls-cert} and {@code --tls-key} (PEM) the
 * server speaks TLS ({@code NetServerOptions.setSsl(true)}, {@link PemKeyCertOptions}, Vert.x's default engine and
 * protocols): bench/run.sh's {@code direct-tls}, the reference of the TLS handshake rate. An I/O error on a connection
 * (a client that resets it, as the connect-rate scenario's client does when it closes) is ignored: the connection is
 * closed by it anyway.
 */
public final class ReferenceServer {

  static final String ECHO_ADDRESS = "bench.echo";
  static final int MAX_FRAME = 64 * 1024;

  private ReferenceServer() {
  }

  public static void main(String[] args) throws Exception {
    if (args.length < 1 || !(args[0].equals("direct") || args[0].equals("naive"))) {
      usage("first argument must be direct or naive");
    }
    boolean naive = args[0].equals("naive");
    int port = -2;
    boolean lines = true;
    int workers = 1;
    String tlsCert = null;
    String tlsKey = null;
    for (int i = 1; i < args.length; i++) {
      String arg = args[i];
      if (i + 1 >= args.length) {
        usage(arg + " needs a value");
      }
      String value = args[++i];
      switch (arg) {
        case "--port":
          port = Integer.parseInt(value);
          break;
        case "--framing":
          if (!value.equals("lines") && !value.equals("length-prefixed")) {
            usage("--framing must be lines or length-prefixed");
          }
          lines = value.equals("lines");
          break;
        case "--workers":
          workers = Integer.parseInt(value);
          break;
        case "--tls-cert":
          tlsCert = value;
          break;
        case "--tls-key":
          tlsKey = value;
          break;
        default:
          usage("unknown option " + arg);
      }
    }
    if (port < 0 || port > 65535) {
      usage("--port 0..65535 is required");
    }
    if ((tlsCert == null) != (tlsKey == null)) {
      usage("--tls-cert and --tls-key go together");
    }
    PemKeyCertOptions tls = tlsCert == null ? null : new PemKeyCertOptions().setCertPath(tlsCert).setKeyPath(tlsKey);
    int eventLoops = VertxOptions.DEFAULT_EVENT_LOOP_POOL_SIZE;
    Vertx vertx = Vertx.vertx();
    if (naive) {
      await(vertx.deployVerticle(EchoConsumer::new, new DeploymentOptions()
          .setThreadingModel(ThreadingModel.WORKER).setInstances(workers)));
    }
    // a negative port is Vert.x's key for one random port shared by every instance
    int bindPort = port == 0 ? -1 : port;
    boolean framedByLines = lines;
    ServerVerticle[] first = new ServerVerticle[1];
    await(vertx.deployVerticle(() -> {
      ServerVerticle v = new ServerVerticle(bindPort, framedByLines, naive, tls);
      synchronized (first) {
        if (first[0] == null) {
          first[0] = v;
        }
      }
      return v;
    }, new DeploymentOptions().setInstances(eventLoops)));
    System.out.println((naive ? "naive" : "direct") + " (" + (lines ? "lines" : "length-prefixed") + ", "
        + eventLoops + " event loops" + (naive ? ", " + workers + " worker instance(s)" : "")
        + (tls != null ? ", TLS" : "") + ") listening on "
        + first[0].actualPort());
    System.out.flush();
  }

  private static void usage(String message) {
    System.err.println("ReferenceServer: " + message);
    System.err.println("usage: ReferenceServer direct|naive --port P --framing lines|length-prefixed [--workers N]"
        + " [--tls-cert CERT.pem --tls-key KEY.pem]");
    System.exit(2);
  }

  private static <T> T await(Future<T> future) throws Exception {
    CountDownLatch done = new CountDownLatch(1);
    future.onComplete(ar -> done.countDown());
    if (!done.await(30, TimeUnit.SECONDS)) {
      throw new IllegalStateException("timed out");
    }
    if (future.failed()) {
      throw new IllegalStateException(future.cause());
    }
    return future.result();
  }

  /** The naive route's consumer: replies to every request with its own body, on a worker thread. */
  static final class EchoConsumer extends VerticleBase {
    @Override
    public Future<?> start() {
      return vertx.eventBus().<Buffer>consumer(ECHO_ADDRESS, (Message<Buffer> m) -> m.reply(m.body())).completion();
    }
  }

  /** One NetServer instance on one event loop. */
  static final class ServerVerticle extends VerticleBase {
    private final int bindPort;
    private final boolean lines;
    private final boolean naive;
    private final PemKeyCertOptions tls;
    private NetServer server;

    ServerVerticle(int bindPort, boolean lines, boolean naive, PemKeyCertOptions tls) {
      this.bindPort = bindPort;
      this.lines = lines;
      this.naive = naive;
      this.tls = tls;
    }

    int actualPort() {
      return server.actualPort();
    }

    @Override
    public Future<?> start() {
      NetServerOptions options = new NetServerOptions()
          .setHost("127.0.0.1")
          .setPort(bindPort)
          .setTcpNoDelay(true)
          .setReuseAddress(true)
          .setRegisterWriteHandler(false);
      if (tls != null) {
        options.setSsl(true).setKeyCertOptions(tls.copy());
      }
      server = vertx.createNetServer(options).connectHandler(this::connected);
      return server.listen();
    }

    private void connected(NetSocket socket) {
      socket.drainHandler(v -> socket.resume());
      // a reset from the client (the connect-rate scenario closes with SO_LINGER 0): the socket closes; nothing to log
      socket.exceptionHandler(e -> { });
      Handler<Buffer> onFrame = naive ? frame -> viaEventBus(socket, frame) : frame -> reply(socket, frame);
      RecordParser parser = lines ? linesParser(onFrame) : lengthPrefixedParser(onFrame);
      socket.handler(chunk -> {
        try {
          parser.handle(chunk);
        } catch (RuntimeException e) {
          // a frame over the size cap or a bad header: this stream cannot be framed any more
          socket.close();
        }
      });
    }

    /**
     * The naive route: one event-bus request per frame, the reply written when it comes back. With one worker
     * instance replies come back in order (one worker context handles the requests one after the other, and its
     * replies are queued to this event loop in that order); nothing else orders them. With several worker instances
     * replies to pipelined frames may overtake each other, which the load generator counts as mismatches.
     */
    private void viaEventBus(NetSocket socket, Buffer frame) {
      vertx.eventBus().<Buffer>request(ECHO_ADDRESS, frame).onComplete(ar -> {
        if (ar.succeeded()) {
          reply(socket, ar.result().body());
        } else {
          reply(socket, Buffer.buffer("ERR worker-failed " + ar.cause().getMessage()));
        }
      });
    }

    private void reply(NetSocket socket, Buffer payload) {
      Buffer out;
      if (lines) {
        out = Buffer.buffer(payload.length() + 1).appendBuffer(payload).appendByte((byte) '\n');
      } else {
        out = Buffer.buffer(payload.length() + 4).appendInt(payload.length()).appendBuffer(payload);
      }
      socket.write(out);
      if (socket.writeQueueFull()) {
        socket.pause();
      }
    }

    private static RecordParser linesParser(Handler<Buffer> onFrame) {
      RecordParser parser = RecordParser.newDelimited("\n", record -> {
        int n = record.length();
        onFrame.handle(n > 0 && record.getByte(n - 1) == '\r' ? record.getBuffer(0, n - 1) : record);
      });
      parser.maxRecordSize(MAX_FRAME + 1);
      return parser;
    }

    private static RecordParser lengthPrefixedParser(Handler<Buffer> onFrame) {
      RecordParser parser = RecordParser.newFixed(4);
      parser.handler(new Handler<>() {
        private boolean header = true;

        @Override
        public void handle(Buffer record) {
          if (header) {
            long length = record.getUnsignedInt(0);
            if (length > MAX_FRAME) {
              throw new IllegalStateException("frame too large: " + length);
            }
            if (length == 0) {
              onFrame.handle(Buffer.buffer());
              return;
            }
            header = false;
            parser.fixedSizeMode((int) length);
          } else {
            header = true;
            parser.fixedSizeMode(4);
            onFrame.handle(record);
          }
        }
      });
      return parser;
    }
  }
}
