package io.tcpgate.dispatch;

/** {@link DispatchMode#PARALLEL}: every request goes out at once, to any consumer of the address. */
final class ParallelDispatcher extends Dispatcher {

  private final String address;

  ParallelDispatcher(String address, RequestSender sender) {
    super(sender);
    this.address = address;
  }

  @Override
  public void submit(Request request) {
    send(address, request);
  }

  @Override
  public void settled(Request request) {
  }

}
