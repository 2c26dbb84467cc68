// The session image build on real Docker: a current tag is a no-op, a tag whose
// files or Claude changed is rebuilt, the Claude binary's version and sha256
// are labels, and an image without Claude still runs sessions (a shell,
// activity `unknown`). Built on the cached offline base, so it is quick.
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileClaude, NO_CLAUDE } from '../../src/agent/image/claude-binary.js';
import { buildSessionImage, imageInfo } from '../../src/agent/image/build.js';
import { LABELS } from '../../src/agent/image/context.js';
import { claudeSourceFromFlags } from '../../src/agent/image/claude-flags.js';
import { makeTestAgent, type TestAgent } from '../helpers/agent.js';
import { requireDocker, waitFor } from '../helpers/docker.js';

const docker = new Docker();
const tag = `convocate-session:test-build-${randomBytes(4).toString('hex')}`;
let work = '';
let agent: TestAgent | undefined;

beforeAll(async () => {
  await requireDocker();
  work = await mkdtemp(join(tmpdir(), 'convocate-image-test-'));
});

afterAll(async () => {
  await agent?.cleanup();
  await docker.getImage(tag).remove({ force: true }).catch(() => undefined);
  await rm(work, { recursive: true, force: true });
});

async function build(claude = NO_CLAUDE): Promise<string[]> {
  const lines: string[] = [];
  await buildSessionImage({ tag, offline: true, force: false, claude, docker, onProgress: (l) => lines.push(l) });
  return lines;
}

describe('image build', () => {
  it('without Claude: labels say so, and a second build is a no-op', async () => {
    expect((await build()).join('\n')).toMatch(/without Claude Code/);
    const info = await imageInfo(docker, tag);
    expect(info?.labels[LABELS.claudeVersion]).toBe('');
    expect(info?.labels[LABELS.hash]).toMatch(/^[0-9a-f]{32}$/);
    expect(await build()).toContain(`image ${tag} already present`);
  });

  it('a different Claude makes the tag stale: rebuilt, with version and sha256 labels', async () => {
    const fake = join(work, 'claude');
    const script = '#!/bin/sh\necho "9.9.9 (Claude Code)"\n';
    await writeFile(fake, script);
    await chmod(fake, 0o755);
    const lines = await build(await fileClaude(fake));
    expect(lines.join('\n')).toMatch(/is stale/);
    const info = await imageInfo(docker, tag);
    expect(info?.labels[LABELS.claudeVersion]).toBe('9.9.9');
    expect(info?.labels[LABELS.claudeSha256]).toBe(createHash('sha256').update(script).digest('hex'));
    expect(await build(await fileClaude(fake))).toContain(`image ${tag} already present`);
  });

  it('bad Claude flags are clear errors', async () => {
    await expect(claudeSourceFromFlags({ claudeFrom: join(work, 'missing') })).rejects.toThrow(/--claude-from .*missing/);
    await expect(claudeSourceFromFlags({ claudeVersion: '1.0.0', claude: false })).rejects.toThrow(/pick one of/);
    await expect(claudeSourceFromFlags({ claudeVersion: '$(reboot)' })).rejects.toThrow(/bad Claude version/);
  });

  it('an image without Claude runs a shell: activity unknown', async () => {
    expect((await build()).join('\n')).toMatch(/is stale/);
    agent = await makeTestAgent('no-claude');
    await agent.engine.setSettings({ image: tag });
    await agent.api.call('env-unset', { name: 'CONVOCATE_SESSION_COMMAND' });
    const s = await agent.api.call('create', { name: 'plain' });
    await agent.api.call('restart', { id: s.uuid });
    const after = await agent.api.call('get', { id: s.uuid });
    expect(after).toMatchObject({ running: true, activity: 'unknown', activity_detail: '' });
    const pane = await waitFor('a shell in the pane', async () => {
      const r = await agent!.runtime.exec(s.uuid, ['tmux', 'display-message', '-p', '-t', 'claude', '#{pane_current_command}'], { user: 'convocate' });
      return r.output.trim() === 'bash' ? r.output.trim() : undefined;
    });
    expect(pane).toBe('bash');
    const sh = async (cmd: string) => (await agent!.runtime.exec(s.uuid, ['sh', '-c', cmd], { user: 'convocate' })).output.trim();
    expect(await sh('tmux show -gv focus-events')).toBe('on');
    expect(await sh('echo "$DISABLE_AUTOUPDATER $DISABLE_INSTALLATION_CHECKS"')).toBe('1 1');
    expect(await sh('test -s /etc/claude-code/managed-settings.json && echo present')).toBe('present');
  });
});
