package io.tcpgate.bench;

import io.vertx.core.json.JsonObject;
import org.HdrHistogram.Histogram;

import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.Signature;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.ECGenParameterSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import javax.crypto.KeyAgreement;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManagerFactory;

/**
 * The connect-rate mode of the load generator ({@code LoadGenerator --connect-rate}, scenario (f) of bench/run.sh):
 * what a connection costs from accept to close, admission and TLS included, rather than what a request costs.
 *
 * <p>{@code --connections C} client loops, each a thread of its own with blocking sockets, each repeatedly: open a TCP
 * connection to the target; with {@code --tls-trust CERT.pem}, complete a TLS handshake (the JDK's SSLSocket over that
 * connection, trusting only that certificate and checking it names the target's IP); send one request frame; read its
 * reply and check it is exactly the echo of that frame; close. Blocking threads rather than the NIO selector of the
 * other modes: the JDK has no non-blocking TLS socket, and a plain and a TLS run should differ only by the handshake,
 * so plain runs use the same loop without it.
 *
 * <p>Closing: every socket has {@code SO_LINGER 0}, so closing it sends a RST instead of a FIN and leaves no
 * TIME_WAIT behind on either side. With FIN the client, closing first, would hold every port it used in TIME_WAIT
 * for 60 s, and a few thousand connections per second exhaust the ~28,000 ephemeral ports of a default
 * {@code ip_local_port_range} within seconds (unless {@code tcp_tw_reuse} happens to allow their reuse). The reply has
 * been read in full before the close, so the server loses nothing; it sees a reset connection (ECONNRESET on its next
 * read) instead of an end of stream. A TLS connection is closed the same way, on its TCP socket, without a
 * close_notify: one RST in both modes.
 *
 * <p>TLS handshakes are full ones: each connection gets its own TLS identity (a peer host name of its own for the
 * JDK's client session cache, which is cut to one entry), so no session is ever offered for resumption. SNI is not
 * sent (the servers have one certificate); the certificate is still checked against the target IP. The JDK's
 * elliptic-curve code is plain Java and several times slower until the JIT has compiled it, and every run is a fresh
 * client JVM: before its loops start, a TLS client runs the operations of its side of a handshake (X25519 and P-256
 * key agreement, P-256 ECDSA verification) in-process for {@code --tls-client-warmup} seconds (2), so that the
 * client's JIT warm-up does not fall into the server's window (the server is not touched meanwhile).
 *
 * <p>A connection counts when its reply arrives during the measured window; its latency is from just before
 * {@code connect()} to the reply (TCP connect, handshake, one round trip). Errors in any phase: failed or refused
 * connects, failed handshakes, replies that are not the echo (mismatches, {@code ERR} replies), connections closed
 * before the reply, timeouts (5 s per connect, handshake and reply). A loop pauses 1 ms after an error, so a server
 * that refuses connections is not hammered in a tight loop. Every phase is bounded: after the window each loop
 * finishes the connection it is on (at most the timeouts) and the result is written after at most {@code --drain}
 * seconds.
 */
final class ConnectLoad {

  /** Timeout of each connect, handshake and reply read. */
  static final int IO_TIMEOUT_MS = 5_000;
  static final int MAX_LOOPS = 1_000;

  private static final long HIGHEST_NANOS = TimeUnit.SECONDS.toNanos(60);

  private final LoadGenerator.Options o;

  ConnectLoad(LoadGenerator.Options o) {
    this.o = o;
  }

  JsonObject run() throws IOException, InterruptedException, GeneralSecurityException {
    InetSocketAddress target = new InetSocketAddress(LoadGenerator.loopback(o.host), o.port);
    Payload payload = new Payload(o.framing, o.size);
    Tls tls = o.tlsTrust == null ? null : new Tls(Path.of(o.tlsTrust), target);
    long cryptoWarmupOps = tls == null ? 0 : Tls.warmUpCrypto(o.tlsClientWarmup);
    LoadWorker.Control control = new LoadWorker.Control();
    List<Loop> loops = new ArrayList<>();
    List<Thread> threads = new ArrayList<>();
    for (int i = 0; i < o.connections; i++) {
      Loop loop = new Loop(i, target, payload, tls, control);
      loops.add(loop);
      Thread t = new Thread(loop, "connect-" + i);
      t.setDaemon(true);
      threads.add(t);
    }
    LoadGenerator.CpuWindow server = new LoadGenerator.CpuWindow(o.serverPid, o.serverThreads);
    LoadGenerator.CpuWindow client = new LoadGenerator.CpuWindow(ProcessHandle.current().pid());
    LoadGenerator.CpuWindow noWorker = new LoadGenerator.CpuWindow(0);

    long start = System.nanoTime();
    for (Thread t : threads) {
      t.start();
    }
    LoadGenerator.sleepUntil(start + (long) (o.warmup * 1e9));

    server.start();
    noWorker.start();
    client.start();
    long machineBefore = ProcStats.machineBusyTicks();
    long windowStartMs = System.currentTimeMillis();
    long measureStart = System.nanoTime();
    control.phase = LoadWorker.MEASURE;
    LoadGenerator.sleepUntil(measureStart + (long) (o.duration * 1e9));
    control.phase = LoadWorker.DRAIN;
    long measureEnd = System.nanoTime();
    long windowEndMs = System.currentTimeMillis();
    long machineAfter = ProcStats.machineBusyTicks();
    server.stop();
    noWorker.stop();
    client.stop();

    long drainDeadline = System.nanoTime() + (long) (o.drain * 1e9);
    int stuck = 0;
    for (Thread t : threads) {
      t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(drainDeadline - System.nanoTime())));
      if (t.isAlive()) {
        stuck++;
      }
    }
    long rss = o.serverPid > 0 ? ProcStats.rssKiB(o.serverPid) : -1;

    Histogram histogram = new Histogram(1, HIGHEST_NANOS, 3);
    long completed = 0;
    long attempted = 0;
    JsonObject errors = new JsonObject();
    long errorCount = 0;
    String firstError = null;
    String protocol = null;
    for (Loop loop : loops) {
      // a loop still running has stopped touching its histogram only if it is past its measured connections; reading
      // it anyway is harmless (counts are longs, written by one thread)
      histogram.add(loop.histogram);
      completed += loop.completed;
      attempted += loop.attempts;
      for (int k = 0; k < Loop.ERROR_KINDS.length; k++) {
        errors.put(Loop.ERROR_KINDS[k], errors.getLong(Loop.ERROR_KINDS[k], 0L) + loop.errors[k]);
        errorCount += loop.errors[k];
      }
      if (firstError == null) {
        firstError = loop.firstError;
      }
      if (protocol == null) {
        protocol = loop.protocol;
      }
    }
    if (firstError != null) {
      errors.put("firstError", firstError);
    }
    if (stuck > 0) {
      errors.put("loopsStillRunning", stuck);
    }
    double window = (measureEnd - measureStart) / 1e9;
    JsonObject serverJson = perConnection(server, completed);
    if (rss >= 0) {
      serverJson.put("rssKiB", rss);
    }
    return new JsonObject()
        .put("mode", "connect")
        .put("labels", o.labels)
        .put("target", target.getAddress().getHostAddress() + ":" + o.port)
        .put("framing", o.framing.configName)
        .put("connections", o.connections)
        .put("size", o.size)
        .put("tls", tls != null)
        .put("tlsProtocol", protocol)
        .put("tlsClientWarmupOps", tls == null ? null : cryptoWarmupOps)
        .put("close", "rst")
        .put("warmupS", o.warmup)
        .put("windowS", LoadGenerator.round(window, 3))
        .put("windowStartMs", windowStartMs)
        .put("windowEndMs", windowEndMs)
        .put("completed", completed)
        .put("attemptedTotal", attempted)
        .put("throughput", LoadGenerator.round(completed / window, 1))
        .put("latencyUs", LoadGenerator.latencyMicros(histogram))
        .put("errors", errorCount + stuck)
        .put("errorDetail", errors)
        .put("server", serverJson)
        .put("client", perConnection(client, completed))
        .put("machine", LoadGenerator.LoadRun.machine(machineBefore, machineAfter, window, server, noWorker, client));
  }

  /** A CPU window's figures, with {@code cpuUsPerConn} (and, for the report's common code, the same as cpuUsPerReq). */
  private static JsonObject perConnection(LoadGenerator.CpuWindow cpu, long completed) {
    JsonObject json = cpu.toJson(completed);
    json.put("cpuUsPerConn", json.getValue("cpuUsPerReq"));
    return json;
  }

  /** The client side of TLS: trusts one certificate, checks that it names the target IP, never resumes a session. */
  static final class Tls {
    final SSLSocketFactory factory;
    final InetSocketAddress target;
    final SSLParameters parameters;

    Tls(Path trusted, InetSocketAddress target) throws IOException, GeneralSecurityException {
      KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
      store.load(null, null);
      CertificateFactory certificates = CertificateFactory.getInstance("X.509");
      int n = 0;
      try (InputStream in = Files.newInputStream(trusted)) {
        for (Certificate c : certificates.generateCertificates(in)) {
          store.setCertificateEntry("trusted-" + n++, c);
        }
      }
      if (n == 0) {
        throw new IOException("no certificate in " + trusted);
      }
      TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      trust.init(store);
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(null, trust.getTrustManagers(), null);
      // each connection names a peer of its own (below), so the cache never holds a session for the next one; one
      // entry keeps it from growing
      context.getClientSessionContext().setSessionCacheSize(1);
      this.factory = context.getSocketFactory();
      this.target = target;
      this.parameters = context.getDefaultSSLParameters();
      // the identity check runs against the IP address of the target, not the per-connection peer name
      parameters.setEndpointIdentificationAlgorithm(null);
      parameters.setServerNames(List.of());
    }

    /**
     * Runs the client's side of the handshake's public-key operations in-process until {@code seconds} have passed:
     * X25519 and P-256 key pairs and agreements, P-256 ECDSA verifications. Returns the rounds done.
     */
    static long warmUpCrypto(double seconds) throws GeneralSecurityException {
      if (seconds <= 0) {
        return 0;
      }
      KeyPairGenerator ec = KeyPairGenerator.getInstance("EC");
      ec.initialize(new ECGenParameterSpec("secp256r1"));
      KeyPair signer = ec.generateKeyPair();
      byte[] message = new byte[128];
      Signature sign = Signature.getInstance("SHA256withECDSA");
      sign.initSign(signer.getPrivate());
      sign.update(message);
      byte[] signature = sign.sign();
      KeyPairGenerator x25519 = KeyPairGenerator.getInstance("X25519");
      KeyPair xPeer = x25519.generateKeyPair();
      KeyPair ecPeer = ec.generateKeyPair();
      long end = System.nanoTime() + (long) (seconds * 1e9);
      long rounds = 0;
      while (System.nanoTime() < end) {
        Signature verify = Signature.getInstance("SHA256withECDSA");
        verify.initVerify(signer.getPublic());
        verify.update(message);
        if (!verify.verify(signature)) {
          throw new GeneralSecurityException("ECDSA warm-up: a good signature did not verify");
        }
        agree("X25519", x25519.generateKeyPair(), xPeer);
        agree("ECDH", ec.generateKeyPair(), ecPeer);
        rounds++;
      }
      return rounds;
    }

    private static void agree(String algorithm, KeyPair mine, KeyPair peer) throws GeneralSecurityException {
      KeyAgreement agreement = KeyAgreement.getInstance(algorithm);
      agreement.init(mine.getPrivate());
      agreement.doPhase(peer.getPublic(), true);
      agreement.generateSecret();
    }

    /** Handshakes over a connected socket; the returned socket closes {@code raw} when closed. */
    SSLSocket handshake(Socket raw, long connection) throws IOException {
      // a peer name of its own: the JDK caches client sessions by peer host and port and would otherwise resume
      SSLSocket s = (SSLSocket) factory.createSocket(raw, "c" + connection + ".bench.invalid", target.getPort(), true);
      s.setSSLParameters(parameters);
      s.setUseClientMode(true);
      s.startHandshake();
      checkIdentity(s);
      return s;
    }

    /** The server's certificate must name the target's IP (subjectAltName IP), as an HTTPS client would check it. */
    private void checkIdentity(SSLSocket s) throws SSLException {
      try {
        Certificate[] chain = s.getSession().getPeerCertificates();
        java.security.cert.X509Certificate leaf = (java.security.cert.X509Certificate) chain[0];
        String ip = target.getAddress().getHostAddress();
        if (leaf.getSubjectAlternativeNames() != null) {
          for (List<?> name : leaf.getSubjectAlternativeNames()) {
            if (((Integer) name.get(0)) == 7 && ip.equals(String.valueOf(name.get(1)))) {
              return;
            }
          }
        }
        throw new SSLException("the server's certificate does not name " + ip);
      } catch (java.security.cert.CertificateParsingException e) {
        throw new SSLException(e);
      }
    }
  }

  /** One client loop: connect, (handshake,) one request, its reply, close; again until the window has passed. */
  static final class Loop implements Runnable {
    static final String[] ERROR_KINDS = {"connectFailures", "tlsFailures", "timeouts", "disconnects", "mismatches",
        "errReplies", "protocolErrors", "otherErrors"};
    private static final int CONNECT = 0;
    private static final int TLS = 1;
    private static final int TIMEOUT = 2;
    private static final int DISCONNECT = 3;
    private static final int MISMATCH = 4;
    private static final int ERR_REPLY = 5;
    private static final int PROTOCOL = 6;
    private static final int OTHER = 7;

    final Histogram histogram = new Histogram(1, HIGHEST_NANOS, 3);
    final long[] errors = new long[ERROR_KINDS.length];
    long completed;
    long attempts;
    String firstError;
    String protocol;
    private final int index;
    private final InetSocketAddress target;
    private final Payload payload;
    private final Tls tls;
    private final LoadWorker.Control control;
    private final byte[] request;
    private final byte[] reply;

    Loop(int index, InetSocketAddress target, Payload payload, Tls tls, LoadWorker.Control control) {
      this.index = index;
      this.target = target;
      this.payload = payload;
      this.tls = tls;
      this.control = control;
      this.request = new byte[payload.frameLength()];
      this.reply = new byte[Math.max(256, 2 * payload.frameLength() + 8)];
    }

    @Override
    public void run() {
      long seq = 0;
      while (control.phase < LoadWorker.DRAIN) {
        seq++;
        attempts++;
        int failed = once(seq);
        if (failed >= 0) {
          errors[failed]++;
          LockSupport.parkNanos(1_000_000);
        }
      }
    }

    /** One connection; returns -1, or the kind of error it ended with. */
    private int once(long seq) {
      payload.encode(ByteBuffer.wrap(request), seq);
      int stage = CONNECT;
      Socket raw = new Socket();
      long t0 = System.nanoTime();
      try {
        raw.setSoLinger(true, 0);
        raw.setTcpNoDelay(true);
        raw.connect(target, IO_TIMEOUT_MS);
        raw.setSoTimeout(IO_TIMEOUT_MS);
        Socket s = raw;
        if (tls != null) {
          stage = TLS;
          SSLSocket secure = tls.handshake(raw, (long) index << 40 | seq);
          if (protocol == null) {
            protocol = secure.getSession().getProtocol() + " " + secure.getSession().getCipherSuite();
          }
          s = secure;
        }
        stage = DISCONNECT;
        s.getOutputStream().write(request);
        int kind = readReply(s.getInputStream(), seq);
        long t1 = System.nanoTime();
        if (kind >= 0) {
          return kind;
        }
        if (control.phase == LoadWorker.MEASURE) {
          histogram.recordValue(Math.min(HIGHEST_NANOS, Math.max(1, t1 - t0)));
          completed++;
        }
        return -1;
      } catch (SocketTimeoutException e) {
        return failed(TIMEOUT, e);
      } catch (ConnectException e) {
        return failed(CONNECT, e);
      } catch (SSLException e) {
        return failed(TLS, e);
      } catch (IOException e) {
        return failed(stage, e);
      } catch (RuntimeException e) {
        return failed(OTHER, e);
      } finally {
        // SO_LINGER 0: a RST, no TIME_WAIT (for TLS too: the TCP socket is closed without a close_notify)
        try {
          raw.close();
        } catch (IOException ignored) {
          // nothing to do
        }
      }
    }

    private int failed(int kind, Exception e) {
      if (firstError == null) {
        firstError = ERROR_KINDS[kind] + ": " + e;
      }
      return kind;
    }

    /** Reads one reply frame; returns -1 when it is the echo of request {@code seq}, else the kind of error. */
    private int readReply(InputStream in, long seq) throws IOException {
      int n = 0;
      while (true) {
        if (n == reply.length) {
          return failed(PROTOCOL, new IOException("reply longer than " + reply.length + " bytes"));
        }
        int r = in.read(reply, n, reply.length - n);
        if (r < 0) {
          return failed(DISCONNECT, new IOException("closed by the server after " + n + " byte(s) of the reply"));
        }
        n += r;
        int off;
        int len;
        if (payload.framing == Payload.Framing.LINES) {
          int lf = indexOf(reply, n, (byte) '\n');
          if (lf < 0) {
            continue;
          }
          if (lf != n - 1) {
            return failed(PROTOCOL, new IOException("more than one reply"));
          }
          off = 0;
          len = lf > 0 && reply[lf - 1] == '\r' ? lf - 1 : lf;
        } else {
          if (n < 4) {
            continue;
          }
          long length = ByteBuffer.wrap(reply, 0, 4).getInt() & 0xffffffffL;
          if (length > reply.length - 4) {
            return failed(PROTOCOL, new IOException("reply of " + length + " bytes"));
          }
          if (n < 4 + length) {
            continue;
          }
          if (n > 4 + length) {
            return failed(PROTOCOL, new IOException("more than one reply"));
          }
          off = 4;
          len = (int) length;
        }
        if (payload.matches(reply, off, len, seq)) {
          return -1;
        }
        String text = new String(reply, off, Math.min(len, 80), StandardCharsets.UTF_8);
        return failed(Payload.isErrorReply(reply, off, len) ? ERR_REPLY : MISMATCH, new IOException("reply '" + text
            + "'"));
      }
    }

    private static int indexOf(byte[] a, int n, byte b) {
      for (int i = 0; i < n; i++) {
        if (a[i] == b) {
          return i;
        }
      }
      return -1;
    }
  }
}
