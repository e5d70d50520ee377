#!/usr/bin/env node
// The benchmark's Node.js worker behind tcpgate's event-bus bridge (bench/run.sh starts it beside a variant marked
// +node). No npm dependency. It connects to the bridge, registers WORKER_ADDRESS and answers every message that
// expects a reply with its own body, at once: an echo, like the built-in echo worker the in-JVM variants use.
//
// The bridge protocol: every frame is a 4-byte big-endian length, then a UTF-8 JSON document. Frames may be split
// across reads and one read may hold many; the replies to all the messages of one read leave in one socket write.
// It prints "ready" once the pong that follows its register and ping arrives (the bridge answers in order, so the
// registration is in place); an err before that ends it with status 1, as does losing the bridge afterwards.
//
// Environment: TCPGATE_BRIDGE_HOST (127.0.0.1), TCPGATE_BRIDGE_PORT (required), WORKER_ADDRESS (bench.node).
'use strict';
const net = require('net');

const host = process.env.TCPGATE_BRIDGE_HOST || '127.0.0.1';
const port = Number(process.env.TCPGATE_BRIDGE_PORT);
const address = process.env.WORKER_ADDRESS || 'bench.node';
// The bridge disconnects a client that sends nothing for its idleTimeoutSeconds (60 by default), and between the
// runs of its variant the worker gets no traffic for minutes.
const PING_MS = 10000;

if (!Number.isInteger(port) || port <= 0 || port > 65535) {
  console.error('TCPGATE_BRIDGE_PORT must be a port number, got ' + JSON.stringify(process.env.TCPGATE_BRIDGE_PORT));
  process.exit(2);
}

function frame(json) {
  const body = Buffer.from(json, 'utf8');
  const header = Buffer.allocUnsafe(4);
  header.writeUInt32BE(body.length, 0);
  return Buffer.concat([header, body]);
}

let ready = false;
// Bytes of a frame that is not complete yet: the start of the next read's data.
let rest = null;

// The replies to one read's messages, written together.
function onData(chunk) {
  let data = rest === null ? chunk : Buffer.concat([rest, chunk]);
  rest = null;
  let offset = 0;
  const replies = [];
  let replyBytes = 0;
  while (data.length - offset >= 4) {
    const length = data.readUInt32BE(offset);
    if (data.length - offset - 4 < length) {
      break;
    }
    const message = JSON.parse(data.toString('utf8', offset + 4, offset + 4 + length));
    offset += 4 + length;
    if (message.type === 'message' && typeof message.replyAddress === 'string') {
      const reply = '{"type":"send","address":' + JSON.stringify(message.replyAddress) + ',"body":'
        + JSON.stringify(message.body === undefined ? null : message.body) + '}';
      replies.push(reply);
      replyBytes += 4 + Buffer.byteLength(reply, 'utf8');
    } else if (message.type === 'pong') {
      if (!ready) {
        ready = true;
        console.log('ready');
      }
    } else if (message.type === 'err') {
      console.error('bridge error: ' + JSON.stringify(message));
      if (!ready) {
        process.exit(1);
      }
    }
  }
  if (offset < data.length) {
    // a copy: the chunk's memory may be a slice of a larger pooled buffer
    rest = Buffer.from(data.subarray(offset));
  }
  if (replies.length > 0) {
    const out = Buffer.allocUnsafe(replyBytes);
    let p = 0;
    for (const reply of replies) {
      const n = out.write(reply, p + 4, 'utf8');
      out.writeUInt32BE(n, p);
      p += 4 + n;
    }
    socket.write(out);
  }
}

const socket = net.connect({ host, port });
socket.setNoDelay(true);
socket.on('data', onData);
socket.on('connect', () => {
  socket.write(Buffer.concat([
    frame(JSON.stringify({ type: 'register', address })),
    frame(JSON.stringify({ type: 'ping' })),
  ]));
  setInterval(() => socket.write(frame('{"type":"ping"}')), PING_MS).unref();
});
socket.on('error', (e) => {
  console.error('bridge connection on ' + host + ':' + port + ' failed: ' + e.message);
  process.exit(1);
});
socket.on('close', () => process.exit(ready ? 0 : 1));
