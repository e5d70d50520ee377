package io.tcpgate.dispatch;

import io.tcpgate.bus.PinnedInstances;

import java.util.ArrayDeque;
import java.util.Collection;

/**
 * Decides when and where each of one connection's requests goes onto the event bus: the {@link DispatchMode} of its
 * listener, for one connection. Requests are {@link #submit submitted} in frame order and {@link #settled settled}
 * when their outcome is known (reply, failure or deadline); a dispatcher never sends a request before an earlier
 * one, so requests leave in frame order in every mode. Confined to the connection's event loop.
 */
public abstract class Dispatcher {

  private final RequestSender sender;
  /** Requests submitted and not sent yet, oldest first; created on first use (most connections never hold one). */
  private ArrayDeque<Request> held;

  Dispatcher(RequestSender sender) {
    this.sender = sender;
  }

  /**
   * The dispatcher for one new connection; call on the connection's event loop.
   *
   * @param instances where {@link DispatchMode#PINNED} finds the worker instances of {@code address}
   */
  public static Dispatcher create(DispatchMode mode, String address, RequestSender sender,
                                  PinnedInstances instances) {
    switch (mode) {
      case PARALLEL:
        return new ParallelDispatcher(address, sender);
      case PINNED:
        return new PinnedDispatcher(address, sender, instances);
      case ORDERED:
        return new OrderedDispatcher(address, sender);
      default:
        throw new IllegalArgumentException("unknown dispatch mode " + mode);
    }
  }

  /**
   * The dispatcher that takes over from {@code before} for one connection: {@code after} once every request in
   * {@code unsettled} (taken by {@code before}, not settled yet) is settled; {@code after} at once when none is.
   */
  public static Dispatcher handover(Dispatcher before, Dispatcher after, Collection<? extends Request> unsettled) {
    if (unsettled.isEmpty()) {
      before.close();
      return after;
    }
    return new Handover(before.sender, before, after, unsettled);
  }

  /** The next frame's request, in frame order: sent now, or kept until it may go. */
  public abstract void submit(Request request);

  /** {@code request}, sent earlier, has its outcome. */
  public abstract void settled(Request request);

  /** The connection is closing: requests not sent yet never will be. */
  public void close() {
    if (held != null) {
      held.clear();
    }
  }

  /** Requests submitted and not sent yet. */
  public final int queued() {
    return held == null ? 0 : held.size();
  }

  /** Keeps {@code request} until it may go, behind those kept before it. */
  final void hold(Request request) {
    if (held == null) {
      held = new ArrayDeque<>(4);
    }
    held.addLast(request);
  }

  /** The oldest request kept back, removed; {@code null} when none is. */
  final Request nextHeld() {
    return held == null ? null : held.pollFirst();
  }

  /**
   * Stops waiting for {@code request}'s reply (its deadline passed or its connection closed).
   *
   * @return {@code false} when the reply was already taken and will still reach the request
   */
  public final boolean forget(Request request) {
    return sender.forget(request);
  }

  final void send(String address, Request request) {
    request.sending();
    sender.send(address, request.takeBody(), request.headers(), request);
  }
}
