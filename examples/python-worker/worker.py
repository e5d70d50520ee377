#!/usr/bin/env python3
"""A tcpgate worker in Python, standard library only.

It speaks the Vert.x TCP event-bus bridge protocol (a 4-byte big-endian length, then a UTF-8 JSON document) to
tcpgate's bridge, registers ADDRESS (the listener's event-bus address) and answers every frame:

  any line -> the line upper-cased
  "push"   -> a push "pushed to <connection id>" written to the same connection, then, once the gateway has
              queued it, the reply "PUSH"
  "fail"   -> a failure: the client reads "ERR worker-failed asked to fail"
  "bye"    -> "BYE", with header tcpgate-close: true, so the gateway closes the connection after it

It prints "ready" once the bridge has taken its registration, and exits when the bridge goes away.
Environment: TCPGATE_BRIDGE_HOST (127.0.0.1), TCPGATE_BRIDGE_PORT (7010), WORKER_ADDRESS (example.upper).
"""
import json
import os
import socket
import struct
import sys
import threading

HOST = os.environ.get("TCPGATE_BRIDGE_HOST", "127.0.0.1")
PORT = int(os.environ.get("TCPGATE_BRIDGE_PORT", "7010"))
ADDRESS = os.environ.get("WORKER_ADDRESS", "example.upper")
PING_SECONDS = 10


class Bridge:
    """One connection to the bridge: framed JSON both ways."""

    def __init__(self, host, port):
        # Until connected, a refused connection is retried every second (a sidecar may start before the gateway);
        # once connected, losing the bridge ends the process, and whatever supervises it starts it again.
        while True:
            try:
                self.sock = socket.create_connection((host, port))
                break
            except OSError as e:
                print("bridge not reachable on %s:%d (%s), retrying" % (host, port, e), file=sys.stderr, flush=True)
                threading.Event().wait(1)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.lock = threading.Lock()
        self.buffered = b""

    def send(self, *messages):
        """Writes the messages in one write."""
        out = bytearray()
        for message in messages:
            document = json.dumps(message, separators=(",", ":")).encode("utf-8")
            out += struct.pack(">I", len(document)) + document
        with self.lock:
            self.sock.sendall(out)

    def frames(self):
        """Yields each JSON document the bridge sends, until it closes the connection."""
        while True:
            chunk = self.sock.recv(65536)
            if not chunk:
                return
            self.buffered += chunk
            while len(self.buffered) >= 4:
                (length,) = struct.unpack(">I", self.buffered[:4])
                if len(self.buffered) < 4 + length:
                    break
                document = self.buffered[4:4 + length]
                self.buffered = self.buffered[4 + length:]
                yield json.loads(document.decode("utf-8"))


def main():
    bridge = Bridge(HOST, PORT)
    awaiting = {}
    counter = [0]

    def push(connection_id, text, then):
        # The connection's node is the part of its id before the first '-': pushes go to tcpgate.push.<node>.
        node = connection_id.split("-", 1)[0]
        counter[0] += 1
        reply_address = "python-worker.%d.%d" % (os.getpid(), counter[0])
        awaiting[reply_address] = then
        bridge.send({"type": "send", "address": "tcpgate.push." + node, "replyAddress": reply_address,
                     "headers": {"tcpgate-connection-id": connection_id}, "body": text})

    def answer(message):
        body = message.get("body")
        line = body if isinstance(body, str) else json.dumps(body)
        reply_to = message["replyAddress"]
        connection_id = message["headers"].get("tcpgate-connection-id", "")
        if line == "fail":
            bridge.send({"type": "send", "address": reply_to, "failureCode": 1, "message": "asked to fail"})
        elif line == "bye":
            bridge.send({"type": "send", "address": reply_to, "headers": {"tcpgate-close": "true"}, "body": "BYE"})
        elif line == "push":
            push(connection_id, "pushed to " + connection_id,
                 lambda ack: bridge.send({"type": "send", "address": reply_to, "body": "PUSH"}))
        else:
            bridge.send({"type": "send", "address": reply_to, "body": line.upper()})

    def keep_alive():
        while True:
            threading.Event().wait(PING_SECONDS)
            try:
                bridge.send({"type": "ping"})
            except OSError:
                return

    # the bridge answers in order: the pong says the registration is in place
    bridge.send({"type": "register", "address": ADDRESS}, {"type": "ping"})
    threading.Thread(target=keep_alive, daemon=True).start()
    ready = False
    for message in bridge.frames():
        if message.get("address") in awaiting:
            awaiting.pop(message["address"])(message)
        elif message.get("type") == "message" and message.get("replyAddress"):
            answer(message)
        elif message.get("type") == "pong" and not ready:
            ready = True
            print("ready", flush=True)
        elif message.get("type") == "err":
            print("bridge error: " + json.dumps(message), file=sys.stderr, flush=True)
    sys.exit(0 if ready else 1)


if __name__ == "__main__":
    main()
