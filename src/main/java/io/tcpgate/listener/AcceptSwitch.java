package io.tcpgate.listener;

import io.tcpgate.config.OverloadConfig;
import io.tcpgate.connection.AcceptControl;
import io.tcpgate.metrics.ListenerStats;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Stops a listener accepting while it is saturated and resumes below a low watermark ({@code overload.stopAccepting},
 * like HAProxy's {@code maxconn}): new connections wait in the kernel's backlog instead of adding frames to a
 * listener that cannot take them. Shared by the listener's instances.
 */
final class AcceptSwitch implements AcceptControl {

  private static final Logger LOG = LoggerFactory.getLogger(AcceptSwitch.class);

  private final InetSocketAddress bound;
  private volatile OverloadConfig overload;
  private final ListenerStats stats;
  private final AtomicBoolean paused = new AtomicBoolean();

  AcceptSwitch(InetSocketAddress bound, OverloadConfig overload, ListenerStats stats) {
    this.bound = bound;
    this.overload = overload;
    this.stats = stats;
  }

  /** New watermarks (a reload); turned off, a paused listener accepts again at once. */
  void update(OverloadConfig next) {
    overload = next;
    if (!next.stopAccepting() && paused.compareAndSet(true, false)) {
      GatewayTransport.setAccepting(bound, true, () -> stats.acceptPaused(false));
      LOG.info("listener '{}': stopAccepting turned off, accepting again", stats.listener());
    }
  }

  @Override
  public void inFlight(long inFlight) {
    OverloadConfig overload = this.overload;
    if (!overload.stopAccepting()) {
      return;
    }
    if (inFlight >= overload.maxInFlight()) {
      if (paused.compareAndSet(false, true)) {
        GatewayTransport.setAccepting(bound, false, () -> stats.acceptPaused(true));
        LOG.info("listener '{}': {} frames in flight, accepting stopped until fewer than {}", stats.listener(),
          inFlight, overload.resumeBelow());
      }
    } else if (inFlight < overload.resumeBelow() && paused.compareAndSet(true, false)) {
      GatewayTransport.setAccepting(bound, true, () -> stats.acceptPaused(false));
      LOG.info("listener '{}': {} frames in flight, accepting again", stats.listener(), inFlight);
    }
  }
}
