#!/usr/bin/env node
// A stand-in for JmxBridge.java in unit tests: speaks the same line protocol, and its behaviour is chosen by
// the attribute asked for, so tests can provoke hangs, crashes, split lines and garbage on demand.
'use strict';
const { createInterface } = require('node:readline');

const delayArg = process.argv.find((a) => a.startsWith('--start-delay='));
const startDelayMs = delayArg ? Number(delayArg.slice('--start-delay='.length)) : 0;
let configured;
/** While a split line is half written, other answers wait, as the real bridge never interleaves lines. */
let held;

function send(message) {
  const line = `${JSON.stringify(message)}\n`;
  if (held) held.push(line);
  else process.stdout.write(line);
}

function ok(id, result) {
  send({ id, ok: true, result });
}

function fail(id, kind, message, javaClass) {
  send({ id, ok: false, error: { kind, message, javaClass } });
}

function getAttribute(request) {
  const { id, attribute } = request;
  switch (attribute) {
    case 'Echo':
      return ok(id, { objectName: request.objectName, attribute });
    case 'Options':
      return ok(id, configured);
    case 'Argv':
      return ok(id, process.argv.slice(1));
    case 'Env':
      return ok(id, JSON.stringify(process.env));
    case 'Pid':
      return ok(id, process.pid);
    case 'Hang':
      return undefined;
    case 'Slow':
      return setTimeout(() => ok(id, 'slow'), 200);
    case 'Late':
      return setTimeout(() => ok(id, 'late'), 300);
    case 'Exit':
      process.stderr.write('fake bridge: exiting on request\n');
      return process.exit(3);
    case 'Garbage':
      process.stdout.write('this is not json\n');
      return ok(id, 'after-garbage');
    case 'Split': {
      const line = JSON.stringify({ id, ok: true, result: 'split \u00e9\u4e2d' });
      const bytes = Buffer.from(`${line}\n`, 'utf8');
      // cut inside the multi-byte characters to prove decoding spans chunks
      const cut = bytes.length - 5;
      process.stdout.write(bytes.subarray(0, cut));
      held = [];
      return setTimeout(() => {
        process.stdout.write(bytes.subarray(cut));
        for (const waiting of held) process.stdout.write(waiting);
        held = undefined;
      }, 50);
    }
    case 'Error':
      return fail(id, 'remote', 'Snapshot x already exists', 'java.io.IOException');
    case 'Malformed':
      return send({ id, ok: false, error: { kind: 'weird' } });
    default:
      return fail(id, 'signature', `No such attribute: ${attribute}`, 'javax.management.AttributeNotFoundException');
  }
}

function handle(request) {
  const { id, op } = request;
  switch (op) {
    case 'configure':
      if (configured) return fail(id, 'bridge', 'already configured');
      if (request.options.username === 'refuse') return fail(id, 'auth', 'refused at configure');
      configured = request.options;
      return ok(id, null);
    case 'ping':
      return ok(id, { pong: true, connected: false });
    case 'getAttribute':
      return getAttribute(request);
    case 'setAttribute':
      return ok(id, null);
    case 'invoke':
      return ok(id, { operation: request.operation, args: request.args });
    case 'queryNames':
      return ok(id, request.pattern === 'bad:*' ? [1, 2] : ['a:type=One', 'a:type=Two']);
    case 'describe':
      return ok(id, {
        objectName: request.objectName,
        className: 'Fake',
        attributes: [{ name: 'A', type: 'int', readable: true, writable: false }],
        operations: [{ name: 'op', returnType: 'void', params: ['java.lang.String'] }],
      });
    default:
      return fail(id, 'bridge', `unknown op '${op}'`);
  }
}

setTimeout(() => {
  const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
  lines.on('line', (line) => handle(JSON.parse(line)));
  lines.on('close', () => process.exit(0));
}, startDelayMs);
