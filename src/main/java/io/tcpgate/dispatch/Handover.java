package io.tcpgate.dispatch;

import java.util.Collection;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Set;

/**
 * A connection's change of dispatcher (a reload changed its listener's {@code dispatch} or {@code address}) without
 * giving up frame order: the requests the old dispatcher took stay its own, sent and settled as before; new requests
 * wait here until the last of those is settled, then go to the new dispatcher in frame order. Confined to the
 * connection's event loop, like every dispatcher.
 */
final class Handover extends Dispatcher {

  private final Dispatcher before;
  private final Dispatcher after;
  private final Set<Request> unsettled = Collections.newSetFromMap(new IdentityHashMap<>());

  Handover(RequestSender sender, Dispatcher before, Dispatcher after, Collection<? extends Request> unsettled) {
    super(sender);
    this.before = before;
    this.after = after;
    this.unsettled.addAll(unsettled);
  }

  @Override
  public void submit(Request request) {
    if (unsettled.isEmpty()) {
      after.submit(request);
    } else {
      hold(request);
    }
  }

  @Override
  public void settled(Request request) {
    if (!unsettled.remove(request)) {
      after.settled(request);
      return;
    }
    before.settled(request);
    if (unsettled.isEmpty()) {
      before.close();
      for (Request next = nextHeld(); next != null; next = nextHeld()) {
        after.submit(next);
      }
    }
  }

  @Override
  public void close() {
    super.close();
    unsettled.clear();
    before.close();
    after.close();
  }
}
