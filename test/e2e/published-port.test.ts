// A session's published port on real Docker, end to end: a real server inside
// the container (Node, copied into the home), a real client on the host over
// loopback, TCP and UDP; after edit + restart the new port answers and the old one does not.
import { copyFile, writeFile } from 'node:fs/promises';
import { createSocket } from 'node:dgram';
import { connect } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestAgent, type TestAgent } from '../helpers/agent.js';
import { freePort } from '../helpers/measure.mjs';
import { waitFor } from '../helpers/docker.js';

let agent: TestAgent;
beforeAll(async () => {
  agent = await makeTestAgent('ports');
});
afterAll(async () => {
  await agent?.cleanup();
});

/** Echoes `pong:<what it got>` on every TCP connection and UDP datagram at PORT. */
const SERVER = `
const net = require('node:net');
const dgram = require('node:dgram');
const port = Number(process.argv[2]);
const proto = process.argv[3];
if (proto === 'tcp') net.createServer((s) => s.once('data', (b) => s.end('pong:' + b))).listen(port, '0.0.0.0');
else { const u = dgram.createSocket('udp4'); u.on('message', (m, r) => u.send('pong:' + m, r.port, r.address)); u.bind(port, '0.0.0.0'); }
`;

async function startServer(uuid: string, port: number, proto: 'tcp' | 'udp'): Promise<void> {
  const home = agent.store.homeDir(uuid);
  await copyFile(process.execPath, join(home, 'node'));
  await writeFile(join(home, 'echo-server.js'), SERVER);
  const r = await agent.runtime.exec(uuid, ['sh', '-c', `chmod +x ~/node; nohup ~/node ~/echo-server.js ${port} ${proto} >~/echo.log 2>&1 &`], { user: 'convocate' });
  expect(r.exitCode, r.output).toBe(0);
}

/** One TCP exchange with 127.0.0.1:port, or the error. */
function tcpAsk(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1');
    let got = '';
    const timer = setTimeout(() => s.destroy(new Error('no tcp answer within 2 s')), 2_000);
    s.on('connect', () => s.write(text));
    s.on('data', (b) => (got += b.toString()));
    s.on('end', () => {
      clearTimeout(timer);
      resolve(got);
    });
    s.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

/** One UDP datagram to 127.0.0.1:port and its answer, or undefined after 1 s. */
function udpAsk(port: number, text: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    const u = createSocket('udp4');
    const done = (v: string | undefined) => {
      clearTimeout(timer);
      u.close();
      resolve(v);
    };
    const timer = setTimeout(() => done(undefined), 1_000);
    u.on('message', (m) => done(m.toString()));
    u.on('error', () => done(undefined));
    u.send(text, port, '127.0.0.1');
  });
}

describe('a published port, from outside the container', () => {
  it('reaches a TCP server inside, and after edit to another port and protocol + restart, a UDP server at the new port', async () => {
    const tcpPort = await freePort();
    const s = await agent.api.call('create', { name: 'ports', port: tcpPort, protocol: 'tcp' });
    await agent.api.call('restart', { id: s.uuid });
    await startServer(s.uuid, tcpPort, 'tcp');
    // Docker's proxy accepts and closes at once until the server inside listens: an empty answer is not one yet.
    const answer = await waitFor('the TCP echo from inside', async () => (await tcpAsk(tcpPort, 'tcp-hello').catch(() => '')) || undefined, 20_000);
    expect(answer).toBe('pong:tcp-hello');

    const udpPort = await freePort();
    await agent.api.call('kill', { id: s.uuid });
    const edited = await agent.api.call('edit', { id: s.uuid, port: udpPort, protocol: 'udp' });
    expect(edited).toMatchObject({ port: udpPort, protocol: 'udp' });
    await agent.api.call('restart', { id: s.uuid });
    await startServer(s.uuid, udpPort, 'udp');
    const udpAnswer = await waitFor('the UDP echo from inside', async () => udpAsk(udpPort, 'udp-hello'), 20_000);
    expect(udpAnswer).toBe('pong:udp-hello');
    // The old port is no longer published.
    await expect(tcpAsk(tcpPort, 'again')).rejects.toThrow();
    await agent.api.call('kill', { id: s.uuid });
  }, 120_000);
});
