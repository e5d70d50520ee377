package io.tcpgate.dispatch;

import java.util.function.Consumer;

/** The open connections of this node, as server pushes find them. */
public interface PushTargets {

  /** The connection with {@code id}, or {@code null}. */
  PushTarget get(String id);

  /** Runs {@code action} for every open connection of {@code listener}. */
  void forEachOf(String listener, Consumer<PushTarget> action);
}
