// The cockpit's agent side over real SSH: `peek` through OpenSSH's `ssh -s`
// and a read-only attach through the shell's SshAgentClient, on a real
// `convocate-agent serve` and real Docker.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Session } from '../../src/protocol/session.js';
import { SshAgentClient } from '../../src/shell/client/ssh-agent-client.js';
import { startAgentProcess, type AgentProcess } from '../helpers/agent-process.js';
import { runSsh } from '../helpers/ssh.js';

let agent: AgentProcess;
let client: SshAgentClient;
let session: Session;

async function rpc(op: string, params: unknown): Promise<{ ok: boolean; result?: { text: string }; error?: string; code?: string }> {
  const r = await runSsh(agent.sshArgs('convocate-agent-rpc'), `${JSON.stringify({ op, params })}\n`);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout.trim());
}

/** Polls `peek` until the pane matches, bounded by a deadline. */
async function peekUntil(pattern: RegExp, timeoutMs = 15_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { text } = await client.call('peek', { id: session.uuid, lines: 20 });
    if (pattern.test(text)) return text;
    if (Date.now() > deadline) throw new Error(`pane never matched ${String(pattern)}:\n${text}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

beforeAll(async () => {
  agent = await startAgentProcess('cockpit');
  client = new SshAgentClient({
    info: { id: agent.agentId, host: `${agent.host}:${agent.port}` },
    host: agent.host,
    port: agent.port,
    privateKey: agent.clientKey,
    hostKeyPub: agent.hostKeyPub,
  });
  session = await client.call('create', { name: 'watched' });
  await client.call('restart', { id: session.uuid });
  await peekUntil(/convocate@convocate-[0-9a-f]{8}:~\/work\$/);
});
afterAll(async () => {
  await client?.close();
  await agent?.cleanup();
});

describe('the cockpit over SSH', () => {
  it('peek answers the pane as plain text through ssh -s, and refuses bad params', async () => {
    const ok = await rpc('peek', { id: session.uuid, lines: 5 });
    expect(ok.ok).toBe(true);
    expect(ok.result!.text).toMatch(/convocate@convocate-[0-9a-f]{8}:~\/work\$/);
    expect(ok.result!.text).not.toContain('\x1b');
    expect(await rpc('peek', { id: session.uuid, lines: 0 })).toMatchObject({ ok: false, code: 'bad_request', error: expect.stringMatching(/^decode params: .*lines/) });
    expect(await rpc('peek', { id: 'not-a-uuid' })).toMatchObject({ ok: false, code: 'invalid_argument' });
    const list = await client.call('list', null);
    const mine = list.sessions.find((s) => s.uuid === session.uuid)!;
    expect(mine.cpu_percent).toEqual(expect.any(Number));
    expect(mine.mem_bytes).toBeGreaterThan(0);
  });

  it('a read-only attach shows the session but nothing typed reaches it; Ctrl-B D ends it', async () => {
    const handle = await client.attach(session.uuid, 100, 30, { readOnly: true });
    let seen = '';
    handle.stream.on('data', (b: Buffer) => (seen += b.toString('utf8')));
    const deadline = Date.now() + 15_000;
    while (!/convocate@convocate-/.test(seen) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(seen).toMatch(/convocate@convocate-/);
    handle.stream.write('echo typed-over-ssh\r');
    // Straight after an ignored key tmux 3.3 -r may drop one Ctrl-B D (the TUI's relay
    // sends only the prefix and its key for that reason); ask again until it lets go.
    let ended = false;
    void handle.done.then(() => (ended = true));
    for (let i = 0; i < 20 && !ended; i++) {
      handle.stream.write('\x02');
      handle.stream.write('d');
      await Promise.race([handle.done, new Promise((r) => setTimeout(r, 500))]);
    }
    expect(ended).toBe(true);
    expect(await peekUntil(/\$/)).not.toContain('typed-over-ssh');
  });
});
