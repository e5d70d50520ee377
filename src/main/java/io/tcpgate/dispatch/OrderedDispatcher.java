package io.tcpgate.dispatch;

/**
 * {@link DispatchMode#ORDERED}: one request of the connection on the event bus at a time; the next goes out when the
 * one before it is settled.
 */
final class OrderedDispatcher extends Dispatcher {

  private final String address;
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
    hold(request);
  }

  @Override
  public void settled(Request request) {
    if (request != current) {
      return;
    }
    current = nextHeld();
    if (current != null) {
      send(address, current);
    }
  }

  @Override
  public void close() {
    super.close();
    current = null;
  }
}
