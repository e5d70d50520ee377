package io.tcpgate.net;

import io.tcpgate.bus.ErrorReplyTemplate;
import io.tcpgate.config.ListenerConfig;
import io.tcpgate.metrics.ListenerStats;

/**
 * What the connections of one listener instance share: its config, its books, its error reply template, the node's
 * connection registry and request sender, and the instance's idle sweeper.
 */
final class ListenerContext {

  final ListenerConfig config;
  final ListenerStats stats;
  final ErrorReplyTemplate errors;
  final ConnectionRegistry registry;
  final IdleSweeper idleSweeper;
  final RequestSender requests;

  ListenerContext(ListenerConfig config, ListenerStats stats, ConnectionRegistry registry, IdleSweeper idleSweeper,
                  RequestSender requests) {
    this.config = config;
    this.stats = stats;
    this.errors = new ErrorReplyTemplate(config.errorTemplate());
    this.registry = registry;
    this.idleSweeper = idleSweeper;
    this.requests = requests;
  }
}
