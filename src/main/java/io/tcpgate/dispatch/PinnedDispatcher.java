package io.tcpgate.dispatch;

import io.tcpgate.bus.PinnedInstances;

/**
 * {@link DispatchMode#PINNED}: the connection's requests go, pipelined, to one worker instance's own address; that
 * instance takes them one after another, in order. The instance is chosen at the first request, preferring the one
 * on the connection's event loop. If it goes away (undeployed), the connection waits until every request it sent
 * there is settled, then pins another; with no instance at all it sends one request at a time to the shared address,
 * as {@link OrderedDispatcher} does.
 */
final class PinnedDispatcher extends Dispatcher {

  private final String address;
  private final PinnedInstances instances;
  private PinnedInstances.Instance pin;
  private int sent;

  PinnedDispatcher(String address, RequestSender sender, PinnedInstances instances) {
    super(sender);
    this.address = address;
    this.instances = instances;
  }

  @Override
  public void submit(Request request) {
    if (queued() == 0 && maySend()) {
      sendNow(request);
      return;
    }
    hold(request);
  }

  @Override
  public void settled(Request request) {
    sent--;
    while (queued() > 0 && maySend()) {
      sendNow(nextHeld());
    }
  }

  @Override
  public void close() {
    super.close();
    if (pin != null) {
      pin.release();
      pin = null;
    }
  }

  private boolean maySend() {
    if (pin != null && pin.live()) {
      return true;
    }
    if (sent > 0) {
      return false;
    }
    if (pin != null) {
      pin.release();
    }
    pin = instances.choose(address);
    return true;
  }

  private void sendNow(Request request) {
    sent++;
    send(pin != null ? pin.address() : address, request);
  }
}
