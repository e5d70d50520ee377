package io.tcpgate.net;

import io.tcpgate.bus.ErrorReplyTemplate;
import io.tcpgate.config.ListenerConfig;
import io.tcpgate.metrics.ListenerStats;

/** What every connection of one listener shares: its config, its books and its error reply template. */
final class ListenerContext {

  final ListenerConfig config;
  final ListenerStats stats;
  final ErrorReplyTemplate errors;
  final ConnectionRegistry registry;

  ListenerContext(ListenerConfig config, ListenerStats stats, ConnectionRegistry registry) {
    this.config = config;
    this.stats = stats;
    this.errors = new ErrorReplyTemplate(config.errorTemplate());
    this.registry = registry;
  }
}
