// session.json parsed once per file version: whatever changes the file (an
// in-place write of the same size, a replace, a link swapped in) is seen at once.
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readSessionFile, SESSION_FILE, writeSessionFile } from '../../src/agent/sessions/session-file.js';
import { DEFAULT_LIMITS, NO_WORKSPACE, type SessionMeta } from '../../src/protocol/session.js';

let root: string;
afterEach(() => rmSync(root, { recursive: true, force: true }));

function metaOf(uuid: string, port: number): SessionMeta {
  return {
    uuid, name: 'cached', port, protocol: 'tcp', dns_name: '',
    created_at: '2025-01-02T03:04:05.000Z', last_accessed: '2025-01-02T03:04:05.000Z',
    ...DEFAULT_LIMITS, ...NO_WORKSPACE,
  } as SessionMeta;
}

describe('readSessionFile cache', () => {
  it('sees an in-place write of the same size, a replace and a planted link at once, and hands out frozen metadata', async () => {
    root = mkdtempSync(join(tmpdir(), 'session-cache-'));
    const uuid = randomUUID();
    const dir = join(root, uuid);
    mkdirSync(dir);
    await writeSessionFile(dir, metaOf(uuid, 1001));
    const first = await readSessionFile(dir, uuid);
    expect(first).toMatchObject({ ok: true, meta: { port: 1001 } });
    // Shared while the file stays the same, and nobody can change what the next caller reads.
    const again = await readSessionFile(dir, uuid);
    expect(again.ok && first.ok && again.meta === first.meta).toBe(true);
    expect(() => {
      if (first.ok) first.meta.port = 4242;
    }).toThrow(TypeError);
    expect(() => {
      if (first.ok) first.meta.egress_allow.push('10.0.0.0/8');
    }).toThrow(TypeError);
    expect(await readSessionFile(dir, uuid)).toMatchObject({ ok: true, meta: { port: 1001, egress_allow: [] } });

    // Same size, same inode: only the times tell.
    const path = join(dir, SESSION_FILE);
    writeFileSync(path, readFileSync(path, 'utf8').replace('"port": 1001', '"port": 1002'));
    expect(await readSessionFile(dir, uuid)).toMatchObject({ ok: true, meta: { port: 1002 } });

    await writeSessionFile(dir, metaOf(uuid, 1003));
    expect(await readSessionFile(dir, uuid)).toMatchObject({ ok: true, meta: { port: 1003 } });

    const elsewhere = join(root, 'elsewhere.json');
    writeFileSync(elsewhere, readFileSync(path));
    unlinkSync(path);
    symlinkSync(elsewhere, path);
    expect(await readSessionFile(dir, uuid)).toEqual({ ok: false, missing: false, error: 'session.json is a symlink' });
  });
});
