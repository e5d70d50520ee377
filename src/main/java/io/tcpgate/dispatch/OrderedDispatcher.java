package io.tcpgate.dispatch;

import java.util.ArrayDeque;

/**
 * {@link DispatchMode#ORDERED}: one request of the connection on the event bus at a time; the next goes out when the
 * one before it is settled.
 */
final class OrderedDispatcher extends Dispatcher {

  private final String address;
  private ArrayDeque<Request> waiting;
  private Request current;

  OrderedDispatcher(String address, RequestSender sender) {
    super(sender);
    this.address = address;
  }

  @Override
  public void submit(Request request) {
    if (current == null) {
      current = request;
      send(address, request);
      return;
    }
    if (waiting == null) {
      waiting = new ArrayDeque<>(4);
    }
    waiting.addLast(request);
  }

  @Override
  public void settled(Request request) {
    if (request != current) {
      return;
    }
    current = waiting == null ? null : waiting.pollFirst();
    if (current != null) {
      send(address, current);
    }
  }

  @Override
  public void close() {
    current = null;
    if (waiting != null) {
      waiting.clear();
    }
  }

  @Override
  public int queued() {
    return waiting == null ? 0 : waiting.size();
  }
}
