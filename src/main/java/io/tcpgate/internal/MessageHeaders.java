package io.tcpgate.internal;

import io.vertx.core.MultiMap;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.impl.MessageImpl;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A message's headers without creating them: {@code Message.headers()} makes an empty map for a message sent
 * without headers, which is what most replies are. Reads the {@code MessageImpl.headers} field.
 */
public final class MessageHeaders {

  private static final VarHandle HEADERS;

  static {
    try {
      HEADERS = MethodHandles.privateLookupIn(MessageImpl.class, MethodHandles.lookup())
        .findVarHandle(MessageImpl.class, "headers", MultiMap.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private MessageHeaders() {
  }

  /** The headers {@code message} was sent with, or {@code null} when it had none. */
  public static MultiMap of(Message<?> message) {
    return message instanceof MessageImpl ? (MultiMap) HEADERS.get(message) : message.headers();
  }
}
