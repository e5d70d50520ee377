/**
 * The event-bus bridge for workers outside the JVM: the Vert.x TCP event-bus bridge protocol (a 4-byte big-endian
 * length, then a UTF-8 JSON document) on tcpgate's own framing, limits and metrics, so that existing clients of that
 * protocol (Node.js, Python, Go) can register a listener's address, answer frames, push and receive events.
 */
package io.tcpgate.bridge;
