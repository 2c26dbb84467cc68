// Session limits on real files: a session.json written before sessions had
// limits reads as the defaults; a limit field the agent would never write
// makes the file broken (reported), never believed.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ctx, newStore, useTempDir } from './store-helpers.js';

useTempDir();

describe('session limits in session.json', () => {
  it('old files read as the defaults; bad values make the file broken', async () => {
    const store = await newStore();
    const s = await store.create({ name: 'web', cpus: 1.5, memory_bytes: 1024 ** 3, egress: 'allow', egress_allow: ['10.0.0.0/8'] });
    expect(await store.get(s.uuid)).toMatchObject({ cpus: 1.5, memory_bytes: 1024 ** 3, egress: 'allow', egress_allow: ['10.0.0.0/8'] });
    const path = join(ctx.dir, s.uuid, 'session.json');
    const raw = JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>;
    for (const k of ['cpus', 'memory_bytes', 'egress', 'egress_allow']) delete raw[k];
    await writeFile(path, JSON.stringify(raw));
    expect(await store.get(s.uuid)).toMatchObject({ cpus: null, memory_bytes: null, egress: 'open', egress_allow: [] });
    await writeFile(path, JSON.stringify({ ...raw, egress: 'everything' }));
    expect((await store.list()).broken).toEqual([{ uuid: s.uuid, error: expect.stringContaining('field "egress": egress "everything" is invalid') }]);
    await writeFile(path, JSON.stringify({ ...raw, egress_allow: ['a b'] }));
    expect((await store.list()).broken[0]?.error).toContain('field "egress_allow"');
  });
});
