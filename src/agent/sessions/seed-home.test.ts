import { mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CLAUDE_STATE_FILE, seedClaudeHome } from './seed-home.js';

let home = '';
beforeEach(async () => {
  home = await mkdtemp(join(tmpdir(), 'convocate-seed-'));
});
afterEach(async () => {
  await rm(home, { recursive: true, force: true });
});

const KEY = 'sk-ant-api03-abcdefghijklmnopqrstuvwxyz0123456789';
const read = async () => JSON.parse(await readFile(join(home, CLAUDE_STATE_FILE), 'utf8')) as Record<string, unknown>;

describe('seedClaudeHome', () => {
  it('a new home skips onboarding, trusts /home/convocate and its workspace, and approves the key by its last 20 chars', async () => {
    await seedClaudeHome(home, KEY);
    expect(await read()).toEqual({
      hasCompletedOnboarding: true,
      projects: { '/home/convocate': { hasTrustDialogAccepted: true }, '/home/convocate/work': { hasTrustDialogAccepted: true } },
      customApiKeyResponses: { approved: [KEY.slice(-20)], rejected: [] },
    });
  });

  it('keeps what the operator changed and only adds a new key', async () => {
    const mine = { hasCompletedOnboarding: false, theme: 'light', customApiKeyResponses: { approved: ['old'], rejected: [] } };
    await writeFile(join(home, CLAUDE_STATE_FILE), JSON.stringify(mine));
    await seedClaudeHome(home, KEY);
    expect(await read()).toEqual({ ...mine, customApiKeyResponses: { approved: ['old', KEY.slice(-20)], rejected: [] } });
  });

  it('never approves a key the operator rejected, and leaves the file alone without a key', async () => {
    const mine = JSON.stringify({ customApiKeyResponses: { approved: [], rejected: [KEY.slice(-20)] } });
    await writeFile(join(home, CLAUDE_STATE_FILE), mine);
    await seedClaudeHome(home, KEY);
    await seedClaudeHome(home, undefined);
    expect(await readFile(join(home, CLAUDE_STATE_FILE), 'utf8')).toBe(mine);
  });

  it('does not follow a symlink planted by the container, nor rewrite a file it cannot parse', async () => {
    const target = join(home, 'target');
    await writeFile(target, '{}');
    await symlink(target, join(home, CLAUDE_STATE_FILE));
    await seedClaudeHome(home, KEY);
    expect(await readFile(target, 'utf8')).toBe('{}');
    await rm(join(home, CLAUDE_STATE_FILE));
    await writeFile(join(home, CLAUDE_STATE_FILE), 'not json');
    await seedClaudeHome(home, KEY);
    expect(await readFile(join(home, CLAUDE_STATE_FILE), 'utf8')).toBe('not json');
  });
});
