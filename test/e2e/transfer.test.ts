// Sessions across agents over SSH (SPEC §4 convocate-agent-transfer): two real
// `convocate-agent serve` processes, the built CLI's `clone --to` and
// `move --to`, a transfer cut midway, and hostile tar streams the target refuses.
import { createHash } from 'node:crypto';
import { lstat, mkdir, readdir, readFile, readlink, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable} from 'node:stream';
import { PassThrough, Transform } from 'node:stream';
import { pack } from 'tar-stream';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Session } from '../../src/protocol/session.js';
import { SshAgentClient } from '../../src/shell/client/ssh-agent-client.js';
import { transferSession } from '../../src/shell/client/ssh-transfer.js';
import { startAgentProcess, type AgentProcess } from '../helpers/agent-process.js';
import { cliEnv, cliOk, type CliEnv } from '../helpers/cli.js';
import { sessionImage } from '../helpers/docker.js';
import { waitFor } from '../helpers/ssh.js';

let a: AgentProcess;
let b: AgentProcess;
let ctx: CliEnv;

function client(agent: AgentProcess): SshAgentClient {
  return new SshAgentClient({
    info: { id: agent.agentId, host: `${agent.host}:${agent.port}` },
    host: agent.host,
    port: agent.port,
    privateKey: agent.clientKey,
    hostKeyPub: agent.hostKeyPub,
  });
}

/** Every entry under a home as `path → content hash | link target | dir`. */
async function tree(root: string, rel = ''): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const n of (await readdir(join(root, rel))).sort()) {
    const path = rel ? `${rel}/${n}` : n;
    const st = await lstat(join(root, path));
    if (st.isSymbolicLink()) out[path] = `-> ${await readlink(join(root, path))}`;
    else if (st.isDirectory()) Object.assign(out, { [path]: 'dir' }, await tree(root, path));
    else out[path] = createHash('sha256').update(await readFile(join(root, path))).digest('hex');
  }
  return out;
}

async function sessionDirs(agent: AgentProcess): Promise<string[]> {
  return (await readdir(agent.sessionsDir)).filter((n) => !n.endsWith('.lock') && n !== '.layout').sort();
}

/** A home with a workspace, a recorded conversation and its transcript, a link inside and a 3 MiB file. */
async function fillHome(agent: AgentProcess, uuid: string): Promise<void> {
  const home = join(agent.sessionsDir, uuid, 'home');
  const conv = '11111111-2222-4333-8444-555555555555';
  await mkdir(join(home, 'work', 'src'), { recursive: true });
  await mkdir(join(home, '.claude', 'projects', '-home-convocate-work'), { recursive: true });
  await writeFile(join(home, 'work', 'src', 'main.ts'), 'export const answer = 42;\n');
  await writeFile(join(home, 'work', 'blob.bin'), Buffer.alloc(3 * 1024 * 1024, 7));
  await symlink('src/main.ts', join(home, 'work', 'main-link'));
  await writeFile(join(home, '.convocate-conversation'), `${conv}\n`);
  await writeFile(join(home, '.claude', 'projects', '-home-convocate-work', `${conv}.jsonl`), '{"type":"user"}\n{"type":"assistant"}\n');
}

beforeAll(async () => {
  a = await startAgentProcess('xfer-a');
  b = await startAgentProcess('xfer-b');
  ctx = await cliEnv('transfer', sessionImage());
  await a.registerIn(ctx.env.CONVOCATE_CONFIG_DIR!);
  await b.registerIn(ctx.env.CONVOCATE_CONFIG_DIR!);
});
afterEach((t) => {
  if (t.task.result?.state === 'fail') console.error(`agent a log:\n${a.log()}\nagent b log:\n${b.log()}`);
});
afterAll(async () => {
  await a?.cleanup();
  await b?.cleanup();
  await ctx?.cleanup();
});

describe('clone --to and move --to between two agents over SSH', () => {
  it('a running session clones whole to the other agent with its settings, and moves there', async () => {
    const ca = client(a);
    const src = await ca.call('create', { name: 'xfer-src', port: 0, protocol: 'tcp', dns_name: 'xfer-src.test', cpus: 1, memory_bytes: 512 * 1024 ** 2, egress: 'none' });
    await fillHome(a, src.uuid);
    await ca.call('restart', { id: src.uuid });
    const before = await tree(join(a.sessionsDir, src.uuid, 'home'));

    const cloned = JSON.parse(await cliOk(ctx.env, 'clone', src.uuid, 'xfer-copy', '--to', b.agentId, '--json')) as Session;
    expect(cloned).toMatchObject({ name: 'xfer-copy', port: 0, dns_name: '', cpus: 1, memory_bytes: 512 * 1024 ** 2, egress: 'none', running: false });
    expect(await tree(join(b.sessionsDir, cloned.uuid, 'home'))).toMatchObject(before);
    // The clone forks the conversation at its first start, as a local clone does.
    expect(JSON.parse(await readFile(join(b.sessionsDir, cloned.uuid, 'session.json'), 'utf8'))).toMatchObject({ resume_fork: true });
    // The source was only held still: it runs on, unpaused, and is unchanged.
    expect(await ca.call('get', { id: src.uuid })).toMatchObject({ running: true, state: 'R' });
    expect(await ca.call('kill', { id: src.uuid })).toMatchObject({ state: '-' });

    const moved = JSON.parse(await cliOk(ctx.env, 'move', src.uuid, '--to', b.agentId, '--json')) as Session;
    expect(moved).toMatchObject({ name: 'xfer-src', dns_name: 'xfer-src.test', egress: 'none' });
    expect(await tree(join(b.sessionsDir, moved.uuid, 'home'))).toMatchObject(before);
    await expect(ca.call('get', { id: src.uuid })).rejects.toThrow(/not found/);
    expect(await sessionDirs(a)).toEqual([]);
    await ca.close();
  });

  it('a transfer cut midway leaves the source intact and nothing on the target', async () => {
    const ca = client(a);
    const cb = client(b);
    const src = await ca.call('create', { name: 'xfer-cut', port: 0, protocol: 'tcp', dns_name: '' });
    await fillHome(a, src.uuid);
    const before = await tree(join(a.sessionsDir, src.uuid, 'home'));
    const onB = await sessionDirs(b);
    // The source's stream dies after its first 256 KiB, inside the 3 MiB file.
    let seen = 0;
    const cutter = new Transform({
      transform(chunk: Buffer, _enc, done) {
        seen += chunk.length;
        if (seen > 256 * 1024) return done(new Error('cable cut'));
        done(null, chunk);
      },
    });
    const source = { info: ca.info, call: ca.call.bind(ca), transfer: {
      transferOut: async (id: string) => {
        const out = await ca.transfer.transferOut(id);
        return { meta: out.meta, stream: out.stream.pipe(cutter) as Readable };
      },
      transferIn: ca.transfer.transferIn,
    } };
    await expect(transferSession(source, cb, src.uuid, { name: 'xfer-cut-copy', move: true })).rejects.toThrow();
    // The target drops its staging dir once it sees the channel close without EOF (no answer to wait for).
    await waitFor(async () => JSON.stringify(await sessionDirs(b)) === JSON.stringify(onB), 'the staging dir to go', 10_000);
    expect(await sessionDirs(b)).toEqual(onB);
    expect(await ca.call('get', { id: src.uuid })).toMatchObject({ name: 'xfer-cut', state: '-' });
    expect(await tree(join(a.sessionsDir, src.uuid, 'home'))).toEqual(before);
    // Its lock was let go: a mutating op goes through.
    expect(await ca.call('edit', { id: src.uuid, name: 'xfer-cut-2' })).toMatchObject({ name: 'xfer-cut-2' });
    await ca.close();
    await cb.close();
  });
});

describe('the target refuses hostile tar members', () => {
  async function sendTar(members: Array<{ name: string; type?: 'file' | 'symlink'; linkname?: string; body?: string }>): Promise<string> {
    const ca = client(a);
    const cb = client(b);
    const meta = await ca.call('get', { id: (await ca.call('create', { name: 'xfer-meta', port: 0, protocol: 'tcp', dns_name: '' })).uuid });
    const p = pack();
    for (const m of members) {
      if (m.type === 'symlink') p.entry({ name: m.name, type: 'symlink', linkname: m.linkname });
      else p.entry({ name: m.name }, m.body ?? 'x');
    }
    p.finalize();
    const body = new PassThrough();
    p.pipe(body);
    const err = await cb.transfer.transferIn({ direction: 'in', name: 'xfer-evil', meta: { ...meta } }, body).then(
      () => 'accepted',
      (e: Error) => e.message,
    );
    await ca.call('delete', { id: meta.uuid });
    await ca.close();
    await cb.close();
    return err;
  }

  it('refuses ../../etc/x, an absolute path and links out of the home, and keeps nothing', async () => {
    const onB = await sessionDirs(b);
    expect(await sendTar([{ name: 'work/ok.txt' }, { name: '../../etc/x', body: 'owned' }])).toMatch(/member "..\/..\/etc\/x" refused: ".." in path/);
    expect(await sendTar([{ name: '/etc/x' }])).toMatch(/refused: absolute path/);
    expect(await sendTar([{ name: 'escape', type: 'symlink', linkname: '/etc' }])).toMatch(/refused: link to absolute path/);
    expect(await sendTar([{ name: 'work/up', type: 'symlink', linkname: '../../..' }])).toMatch(/refused: link out of the home/);
    await expect(lstat(join(b.sessionsDir, '..', 'etc', 'x'))).rejects.toThrow(/ENOENT/);
    await expect(lstat(join(b.sessionsDir, 'etc', 'x'))).rejects.toThrow(/ENOENT/);
    expect(await sessionDirs(b)).toEqual(onB);
    // A positive control: the same stream without the bad member is taken.
    expect(await sendTar([{ name: 'work/ok.txt' }, { name: 'work/link', type: 'symlink', linkname: 'ok.txt' }])).toBe('accepted');
  });
});
