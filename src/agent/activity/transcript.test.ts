import { mkdir, mkdtemp, appendFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { costOf, PRICES } from '../../protocol/prices.js';
import { addLine, emptySums, follow, projectDirName, transcriptPath, usageView } from './transcript.js';

const reply = (id: string, usage: Record<string, unknown>, model = 'claude-sonnet-4-5') =>
  JSON.stringify({ type: 'assistant', message: { id, model, role: 'assistant', usage, content: [{ type: 'text', text: 'hi' }] } });
const U = { input_tokens: 100, output_tokens: 40, cache_creation_input_tokens: 1000, cache_read_input_tokens: 5000 };

describe('transcript usage', () => {
  it('counts each reply once (Claude logs one line per content block), cache in the input', () => {
    const sums = emptySums();
    for (const line of [reply('msg_1', U), reply('msg_1', U), JSON.stringify({ type: 'user', message: { content: 'usage' } }), reply('msg_2', U)]) addLine(sums, line);
    const view = usageView(sums);
    expect(view.tokens_in).toBe(2 * 6100);
    expect(view.tokens_out).toBe(80);
    expect(view.cost_usd).toBeCloseTo(2 * costOf('claude-sonnet-4-5', { input: 100, output: 40, cacheWrite: 1000, cacheRead: 5000 }), 6);
    expect(view.context_percent).toBe(3.1);
  });

  it('prices each model family from the one table, the last row as the fallback', () => {
    const t = { input: 1e6, output: 0, cacheWrite: 0, cacheRead: 0 };
    expect(costOf('claude-opus-4-1-20250805', t)).toBe(15);
    expect(costOf('claude-opus-4-5', t)).toBe(5);
    expect(costOf('claude-haiku-4-5', t)).toBe(1);
    expect(costOf('claude-sonnet-4-5', t)).toBe(3);
    expect(costOf('a-model-nobody-knows', t)).toBe(PRICES[PRICES.length - 1]!.price.input);
  });

  it('ignores what does not fit: bad JSON, negative or fractional counts, huge numbers, other types', () => {
    const sums = emptySums();
    for (const line of ['{not json', reply('m1', { input_tokens: -5, output_tokens: 1.5 }), reply('m2', { input_tokens: 1e12 }), '"usage"', JSON.stringify({ type: 'assistant', message: { usage: 'x' } })]) {
      addLine(sums, line);
    }
    expect(usageView(sums)).toMatchObject({ tokens_in: 0, tokens_out: 0 });
    expect(usageView(emptySums())).toEqual({ tokens_in: null, tokens_out: null, cost_usd: null, context_percent: null });
  });

  it("names Claude's project dir as Claude does", () => {
    expect(projectDirName('/home/convocate/work')).toBe('-home-convocate-work');
    expect(transcriptPath('/h', '/home/convocate', 'abc')).toBe('/h/.claude/projects/-home-convocate/abc.jsonl');
  });
});

describe('following a transcript file', () => {
  let home: string;
  let path: string;
  beforeEach(async () => {
    home = await mkdtemp(join(tmpdir(), 'convocate-transcript-'));
    path = transcriptPath(home, '/home/convocate/work', '11111111-1111-4111-8111-111111111111');
    await mkdir(join(home, '.claude', 'projects', '-home-convocate-work'), { recursive: true });
  });
  afterEach(() => rm(home, { recursive: true, force: true }));

  it('reads only what was appended, and a line cut mid-write once it is whole', async () => {
    await writeFile(path, `${reply('a', U)}\n${reply('b', U).slice(0, 30)}`);
    const first = await follow(path, home, undefined);
    expect(usageView(first!.sums).tokens_out).toBe(40);
    await appendFile(path, `${reply('b', U).slice(30)}\n`);
    const second = await follow(path, home, first);
    expect(usageView(second!.sums).tokens_out).toBe(80);
    expect(second!.offset).toBeGreaterThan(first!.offset);
  });

  it('starts over when the file was replaced or shortened', async () => {
    await writeFile(path, `${reply('a', U)}\n${reply('b', U)}\n`);
    const first = await follow(path, home, undefined);
    await rm(path);
    await writeFile(path, `${reply('c', U)}\n`);
    expect(usageView((await follow(path, home, first))!.sums).tokens_out).toBe(40);
  });

  it('follows no link: a linked transcript or a linked .claude dir reads as nothing', async () => {
    const secret = join(home, 'elsewhere.jsonl');
    await writeFile(secret, `${reply('x', U)}\n`);
    await symlink(secret, path);
    expect(await follow(path, home, undefined)).toBeUndefined();
    const other = await mkdtemp(join(tmpdir(), 'convocate-transcript-other-'));
    try {
      await rm(join(home, '.claude'), { recursive: true });
      await mkdir(join(other, 'projects', '-home-convocate-work'), { recursive: true });
      await writeFile(join(other, 'projects', '-home-convocate-work', '11111111-1111-4111-8111-111111111111.jsonl'), `${reply('y', U)}\n`);
      await symlink(other, join(home, '.claude'));
      expect(await follow(path, home, undefined)).toBeUndefined();
    } finally {
      await rm(other, { recursive: true, force: true });
    }
  });
});
