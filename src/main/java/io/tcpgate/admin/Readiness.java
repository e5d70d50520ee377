package io.tcpgate.admin;

import java.util.concurrent.atomic.AtomicReference;

/** Whether this instance should receive traffic: only between a complete start and the beginning of a drain. */
public final class Readiness {

  /** The lifecycle as a load balancer sees it. */
  public enum State { STARTING, READY, DRAINING }

  private final AtomicReference<State> state = new AtomicReference<>(State.STARTING);

  public State state() {
    return state.get();
  }

  /** Every listener is bound and every worker deployed. Has no effect once draining began. */
  public void ready() {
    state.compareAndSet(State.STARTING, State.READY);
  }

  /** Draining began: readiness fails from now on. */
  public void draining() {
    state.set(State.DRAINING);
  }
}
