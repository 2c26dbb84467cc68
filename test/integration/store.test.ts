// The session store on real files: create/list/get/update/touch/remove, port
// and DNS uniqueness (real sockets for host probes), broken and foreign entries.
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { mkdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isPortBound } from '../../src/agent/sessions/ports.js';
import { isRoot } from '../../src/lib/process.js';
import { caught, childScript, ctx, deadPid, exists, newStore, startChild, useTempDir, waitForLine } from './store-helpers.js';

useTempDir();

describe('SessionStore: create, list, get, update, touch, remove', () => {
  it('creates a session dir with session.json and reads it back', async () => {
    const t0 = new Date('2025-01-02T03:04:05.000Z');
    const store = await newStore({ now: () => t0 });
    const s = await store.create({ name: 'web', port: 8080, protocol: 'tcp', dns_name: 'web.dev' });
    // Only the agent may walk the sessions dir: homes can hold whatever root in a container made.
    expect((await stat(ctx.dir)).mode & 0o777).toBe(0o700);
    expect(s).toEqual({
      uuid: s.uuid, name: 'web', port: 8080, protocol: 'tcp', dns_name: 'web.dev',
      created_at: '2025-01-02T03:04:05.000Z', last_accessed: '2025-01-02T03:04:05.000Z',
      cpus: null, memory_bytes: null, egress: 'open', egress_allow: [],
      repo: null, branch: null, workspace: true, resume_fork: false,
    });
    const text = await readFile(join(ctx.dir, s.uuid, 'session.json'), 'utf8');
    expect(text).toBe(`${JSON.stringify(s, null, 2)}\n`);
    expect((await stat(join(ctx.dir, s.uuid))).mode & 0o777).toBe(0o755);
    expect(await store.get(s.uuid)).toEqual(s);
    expect(await store.list()).toEqual({ sessions: [s], broken: [], lockFiles: new Set() });
  });

  it('defaults to no port, tcp and no DNS name', async () => {
    const store = await newStore();
    expect(await store.create({ name: 'a' })).toMatchObject({ port: 0, protocol: 'tcp', dns_name: '' });
  });

  it('validates before touching the disk', async () => {
    const store = await newStore();
    expect((await caught(store.create({ name: 'a b' }))).code).toBe('invalid_argument');
    expect((await caught(store.create({ name: 'a', port: 70000 }))).code).toBe('invalid_argument');
    expect((await caught(store.create({ name: 'a', dns_name: 'A' }))).code).toBe('invalid_argument');
    expect((await store.list()).sessions).toEqual([]);
  });

  it('updates fields, keeping what the patch leaves out', async () => {
    let now = new Date('2025-01-01T00:00:00.000Z');
    const store = await newStore({ now: () => now });
    const s = await store.create({ name: 'a', port: 2000, dns_name: 'a' });
    const u1 = await store.update(s.uuid, { name: '' });
    expect(u1).toEqual(s);
    const u2 = await store.update(s.uuid, { name: 'b', protocol: 'udp' });
    expect(u2).toEqual({ ...s, name: 'b', protocol: 'udp' });
    const u3 = await store.update(s.uuid, { dns_name: '', port: 0 });
    expect(u3).toMatchObject({ port: 0, dns_name: '', name: 'b', created_at: s.created_at });
    now = new Date('2025-06-01T00:00:00.000Z');
    const t = await store.touch(s.uuid);
    expect(t.last_accessed).toBe('2025-06-01T00:00:00.000Z');
    expect(await store.get(s.uuid)).toEqual(t);
  });

  it('auto-picks on update and probes the host only when (port, protocol) changes', async () => {
    const probed: string[] = [];
    const store = await newStore({
      isPortBound: (port, proto) => {
        probed.push(`${port}/${proto}`);
        return Promise.resolve(port === 3000 && proto === 'tcp');
      },
    });
    const s = await store.create({ name: 'a', port: -1 });
    expect(s.port).toBe(1001);
    probed.length = 0;
    expect((await store.update(s.uuid, { port: -1 })).port).toBe(1001);
    expect((await store.update(s.uuid, { name: 'b', port: 1001 })).port).toBe(1001);
    expect(probed).toEqual([]);
    expect((await caught(store.update(s.uuid, { port: 3000 }))).message).toBe('port 3000/tcp already in use');
    expect((await store.update(s.uuid, { port: 3000, protocol: 'udp' })).port).toBe(3000);
    expect(probed).toEqual(['3000/tcp', '3000/udp']);
  });

  it('keeps ports unique per protocol and DNS names unique', async () => {
    const store = await newStore();
    const a = await store.create({ name: 'a', port: 5353, dns_name: 'dup' });
    const err = await caught(store.create({ name: 'b', port: 5353 }));
    expect(err.code).toBe('conflict');
    expect(err.message).toBe('port 5353/tcp already in use');
    const b = await store.create({ name: 'b', port: 5353, protocol: 'udp' });
    expect(b.port).toBe(5353);
    expect((await caught(store.create({ name: 'c', dns_name: 'dup' }))).message).toBe('dns name "dup" already in use');
    expect((await caught(store.update(b.uuid, { protocol: 'tcp' }))).message).toBe('port 5353/tcp already in use');
    expect((await caught(store.update(b.uuid, { dns_name: 'dup' }))).code).toBe('conflict');
    expect(await store.update(a.uuid, { dns_name: 'dup', name: 'a2' })).toMatchObject({ dns_name: 'dup' });
  });

  it('auto-picks past ports taken by sessions and ports bound on the host', async () => {
    const store = await newStore({ isPortBound: (p) => Promise.resolve(p === 1002) });
    const a = await store.create({ name: 'a', port: -1 });
    const b = await store.create({ name: 'b', port: -1 });
    const c = await store.create({ name: 'c', port: -1, protocol: 'udp' });
    expect([a.port, b.port, c.port]).toEqual([1001, 1003, 1001]);
  });

  it('refuses an explicit port another program has bound on the host (tcp and udp)', async () => {
    const store = await newStore({ isPortBound });
    const server = createServer();
    server.listen(0, '0.0.0.0');
    await once(server, 'listening');
    const udp = createSocket('udp4');
    udp.bind(0, '0.0.0.0');
    await once(udp, 'listening');
    try {
      const tcpPort = (server.address() as AddressInfo).port;
      const udpPort = udp.address().port;
      expect(await isPortBound(tcpPort, 'tcp')).toBe(true);
      expect(await isPortBound(udpPort, 'udp')).toBe(true);
      const err = await caught(store.create({ name: 'a', port: tcpPort }));
      expect(err.message).toBe(`port ${tcpPort}/tcp already in use`);
      expect((await caught(store.create({ name: 'b', port: udpPort, protocol: 'udp' }))).code).toBe('conflict');
    } finally {
      server.close();
      udp.close();
    }
    await once(server, 'close');
  });

  it('50 concurrent auto-port creates get 50 distinct ports', async () => {
    const store = await newStore({ isPortBound });
    const made = await Promise.all(Array.from({ length: 50 }, (_, i) => store.create({ name: `s${i}`, port: -1 })));
    expect(new Set(made.map((s) => s.port)).size).toBe(50);
    expect(made.every((s) => s.port >= 1001)).toBe(true);
    expect((await store.list()).sessions).toHaveLength(50);
  });

  it('another process allocating at the same time never gets the same port', async () => {
    const script = await childScript(
      'creator',
      `import { once } from 'node:events';
       import { SessionStore } from './src/agent/sessions/store.ts';
       const store = new SessionStore({ dir: process.argv[2], isPortBound: async () => false });
       process.stdout.write('ready\\n');
       await once(process.stdin, 'data');
       const made = await Promise.all(Array.from({ length: 20 }, (_, i) => store.create({ name: 'c' + i, port: -1 })));
       process.stdout.write('done ' + made.length + '\\n');
       process.exit(0);`,
    );
    const store = await newStore();
    const child = startChild(script, [ctx.dir]);
    await waitForLine(child, /^ready$/);
    const done = waitForLine(child, /^done/);
    child.stdin?.write('go\n');
    const ours = await Promise.all(Array.from({ length: 20 }, (_, i) => store.create({ name: `p${i}`, port: -1 })));
    expect(await done).toBe('done 20');
    expect(ours).toHaveLength(20);
    const ports = (await store.list()).sessions.map((s) => s.port);
    expect(ports).toHaveLength(40);
    expect(new Set(ports).size).toBe(40);
  });

  it('removes the home dir and the lock file', async () => {
    const store = await newStore();
    const s = await store.create({ name: 'a' });
    await writeFile(join(ctx.dir, `${s.uuid}.lock`), '999999\n');
    await store.remove(s.uuid);
    expect(await exists(join(ctx.dir, s.uuid))).toBe(false);
    expect(await exists(join(ctx.dir, `${s.uuid}.lock`))).toBe(false);
    expect((await caught(store.get(s.uuid))).message).toBe(`session "${s.uuid}" not found`);
    expect((await caught(store.remove(s.uuid))).code).toBe('not_found');
  });

  it('refuses path-like ids everywhere', async () => {
    const store = await newStore();
    for (const id of ['../x', 'a\0b', 'x'.repeat(10_000)]) {
      expect((await caught(store.get(id))).code).toBe('invalid_argument');
      expect((await caught(store.remove(id))).code).toBe('invalid_argument');
      expect((await caught(store.update(id, {}))).code).toBe('invalid_argument');
      expect((await caught(store.cloneFrom(id, 'x'))).code).toBe('invalid_argument');
    }
  });

  it('chowns new home dirs to the container user (the suite runs as root, as CI does)', async () => {
    expect(isRoot(), 'chown needs root: run the suite as root').toBe(true);
    const store = await newStore({ chownTo: { uid: 1337, gid: 1337 } });
    const s = await store.create({ name: 'a' });
    const st = await stat(store.homeDir(s.uuid));
    expect([st.uid, st.gid]).toEqual([1337, 1337]);
  });
});

describe('SessionStore: broken and foreign entries', () => {
  it('reports a corrupt session.json in broken and leaves the file alone', async () => {
    const store = await newStore();
    const good = await store.create({ name: 'good' });
    const bad = await store.create({ name: 'bad' });
    const path = join(ctx.dir, bad.uuid, 'session.json');
    await writeFile(path, '{"uuid": ');
    const { sessions, broken } = await store.list();
    expect(sessions).toEqual([good]);
    expect(broken).toHaveLength(1);
    expect(broken[0]?.uuid).toBe(bad.uuid);
    expect(broken[0]?.error).toMatch(/^session\.json is not valid JSON: /);
    expect(await readFile(path, 'utf8')).toBe('{"uuid": ');
    const err = await caught(store.get(bad.uuid));
    expect(err.code).toBe('internal');
    expect(err.message).toMatch(new RegExp(`^session "${bad.uuid}" is unreadable: session\\.json is not valid JSON`));
  });

  it('reports bad shapes, a missing file and a symlinked session.json', async () => {
    const store = await newStore();
    const a = await store.create({ name: 'a' });
    const b = await store.create({ name: 'b' });
    const c = await store.create({ name: 'c' });
    await writeFile(join(ctx.dir, a.uuid, 'session.json'), JSON.stringify({ ...a, port: 'x' }));
    await rm(join(ctx.dir, b.uuid, 'session.json'));
    await rm(join(ctx.dir, c.uuid, 'session.json'));
    await writeFile(join(ctx.work, 'secret'), JSON.stringify(c));
    await symlink(join(ctx.work, 'secret'), join(ctx.dir, c.uuid, 'session.json'));
    const byId = new Map((await store.list()).broken.map((x) => [x.uuid, x.error]));
    expect(byId.get(a.uuid)).toBe('session.json: field "port" must be an integer 0-65535');
    expect(byId.get(b.uuid)).toMatch(/ENOENT/);
    expect(byId.get(c.uuid)).toBe('session.json is a symlink');
    expect((await caught(store.get(b.uuid))).code).toBe('internal');
  });

  it('reports a name or DNS name the container wrote that the agent would refuse, without control characters', async () => {
    const store = await newStore();
    const a = await store.create({ name: 'a' });
    const b = await store.create({ name: 'b' });
    const c = await store.create({ name: 'c' });
    await writeFile(join(ctx.dir, a.uuid, 'session.json'), JSON.stringify({ ...a, name: '\x1b]0;pwned\x07' }));
    await writeFile(join(ctx.dir, b.uuid, 'session.json'), JSON.stringify({ ...b, dns_name: 'x\n10.0.0.1 bank.example' }));
    await writeFile(join(ctx.dir, c.uuid, 'session.json'), '{"name": \x1b[31m}');
    const { sessions, broken } = await store.list();
    expect(sessions).toEqual([]);
    const byId = new Map(broken.map((x) => [x.uuid, x.error]));
    expect(byId.get(a.uuid)).toBe('session.json: field "name" must be 1-64 letters, digits, "-" or "_"');
    expect(byId.get(b.uuid)).toBe('session.json: field "dns_name" must be empty or a lowercase DNS name');
    expect(byId.get(c.uuid)).toMatch(/^session\.json is not valid JSON: /);
    // eslint-disable-next-line no-control-regex
    for (const error of byId.values()) expect(error).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
  });

  it('ignores non-UUID entries, lock files, dotfiles and symlinked dirs', async () => {
    const store = await newStore();
    const s = await store.create({ name: 'a' });
    await mkdir(join(ctx.dir, 'not-a-uuid'));
    await writeFile(join(ctx.dir, `${s.uuid}.lock`), `${process.pid}\n`);
    await writeFile(join(ctx.dir, '.hidden'), 'x');
    await symlink(join(ctx.dir, s.uuid), join(ctx.dir, '11111111-2222-4333-8444-555555555555'));
    expect(await store.list()).toEqual({ sessions: [s], broken: [], lockFiles: new Set([s.uuid]) });
  });

  it('init sweeps staging dirs of dead processes only', async () => {
    const dead = await deadPid();
    const store = await newStore();
    const uuid = '11111111-2222-4333-8444-555555555555';
    const stale = join(ctx.dir, `.clone-${uuid}.${dead}.tmp`);
    const live = join(ctx.dir, `.new-${uuid}.${process.pid}.tmp`);
    await mkdir(join(stale, 'deep'), { recursive: true });
    await mkdir(live);
    await store.init();
    expect(await exists(stale)).toBe(false);
    expect(await exists(live)).toBe(true);
  });
});
