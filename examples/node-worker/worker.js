#!/usr/bin/env node
// A tcpgate worker in Node.js, with no npm dependency: it speaks the Vert.x TCP event-bus bridge protocol
// (a 4-byte big-endian length, then a UTF-8 JSON document) to tcpgate's bridge.
//
// It registers ADDRESS (the listener's event-bus address) and answers every frame:
//   any line   -> the line upper-cased
//   "push"     -> a push "pushed to <connection id>" written to the same connection, then, once the gateway
//                 has queued it, the reply "PUSH"
//   "fail"     -> a failure: the client reads "ERR worker-failed asked to fail"
//   "bye"      -> "BYE", with header tcpgate-close: true, so the gateway closes the connection after it
// It prints "ready" once the bridge has taken its registration, and exits when the bridge goes away.
//
// Environment: TCPGATE_BRIDGE_HOST (127.0.0.1), TCPGATE_BRIDGE_PORT (7010), WORKER_ADDRESS (example.upper).
'use strict';
const net = require('net');

const host = process.env.TCPGATE_BRIDGE_HOST || '127.0.0.1';
const port = Number(process.env.TCPGATE_BRIDGE_PORT || 7010);
const address = process.env.WORKER_ADDRESS || 'example.upper';
const PING_MS = 10000;

let socket;

// Frames ready in the same turn of the event loop leave in one write.
let outgoing = [];
function send(message) {
  const json = Buffer.from(JSON.stringify(message), 'utf8');
  const header = Buffer.alloc(4);
  header.writeUInt32BE(json.length, 0);
  if (outgoing.length === 0) {
    setImmediate(flush);
  }
  outgoing.push(header, json);
}
function flush() {
  if (outgoing.length > 0) {
    socket.write(Buffer.concat(outgoing));
    outgoing = [];
  }
}

// The connection's node is the part of its id before the first '-': pushes go to tcpgate.push.<node>. A push is a
// request: the gateway answers "ok" once the bytes are queued on the connection (or fails it if it is gone).
const awaiting = new Map();
let requests = 0;
function push(connectionId, text, then) {
  const node = connectionId.substring(0, connectionId.indexOf('-'));
  const replyAddress = 'node-worker.' + process.pid + '.' + (++requests);
  awaiting.set(replyAddress, then);
  send({ type: 'send', address: 'tcpgate.push.' + node, replyAddress,
    headers: { 'tcpgate-connection-id': connectionId }, body: text });
}

function answer(message) {
  const line = typeof message.body === 'string' ? message.body : JSON.stringify(message.body);
  const connectionId = message.headers['tcpgate-connection-id'];
  if (line === 'fail') {
    send({ type: 'send', address: message.replyAddress, failureCode: 1, message: 'asked to fail' });
  } else if (line === 'bye') {
    send({ type: 'send', address: message.replyAddress, headers: { 'tcpgate-close': 'true' }, body: 'BYE' });
  } else if (line === 'push') {
    push(connectionId, 'pushed to ' + connectionId,
      () => send({ type: 'send', address: message.replyAddress, body: 'PUSH' }));
  } else {
    send({ type: 'send', address: message.replyAddress, body: line.toUpperCase() });
  }
}

let buffered = Buffer.alloc(0);
function onData(chunk) {
  buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk]);
  while (buffered.length >= 4) {
    const length = buffered.readUInt32BE(0);
    if (buffered.length < 4 + length) {
      break;
    }
    const message = JSON.parse(buffered.toString('utf8', 4, 4 + length));
    buffered = buffered.subarray(4 + length);
    if (awaiting.has(message.address)) {
      const then = awaiting.get(message.address);
      awaiting.delete(message.address);
      then(message);
    } else if (message.type === 'message' && message.replyAddress) {
      answer(message);
    } else if (message.type === 'pong' && !ready) {
      ready = true;
      console.log('ready');
    } else if (message.type === 'err') {
      console.error('bridge error: ' + JSON.stringify(message));
    }
  }
}

let ready = false;
let connected = false;
// Until connected, a refused connection is retried every second (a sidecar may start before the
// gateway); once connected, losing the bridge ends the process, and whatever supervises it starts it again.
function connect() {
  socket = net.connect({ host, port });
  socket.setNoDelay(true);
  socket.on('data', onData);
  socket.on('connect', () => {
    connected = true;
    send({ type: 'register', address });
    send({ type: 'ping' }); // the bridge answers in order: the pong says the registration is in place
    setInterval(() => send({ type: 'ping' }), PING_MS).unref();
  });
  socket.on('error', (e) => {
    if (!connected) {
      console.error('bridge not reachable on ' + host + ':' + port + ' (' + e.message + '), retrying');
      setTimeout(connect, 1000);
    } else {
      console.error('bridge connection failed: ' + e.message);
    }
  });
  socket.on('close', () => {
    if (connected) {
      process.exit(ready ? 0 : 1);
    }
  });
}
connect();
