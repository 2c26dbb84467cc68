// A read-only watcher on real Docker (SPEC §8): the session has replaced tmux
// with a wrapper that drops `-r`, and the watcher's client sends keystrokes
// anyway; the agent drops them, so nothing reaches the pane, while an
// ordinary attach still types, and the watcher can still detach.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AttachHandle } from '../../src/protocol/agent-api.js';
import { makeTestAgent, type TestAgent } from '../helpers/agent.js';
import { waitFor } from '../helpers/docker.js';

let agent: TestAgent;
beforeAll(async () => {
  agent = await makeTestAgent('read-only');
}, 60_000);
afterAll(async () => {
  await agent?.cleanup();
}, 60_000);

const WRAPPER = [
  'cat > /usr/local/bin/tmux <<"EOF"',
  '#!/bin/bash',
  'args=(); for a in "$@"; do [ "$a" = -r ] || args+=("$a"); done',
  'exec /usr/bin/tmux "${args[@]}"',
  'EOF',
  'chmod 755 /usr/local/bin/tmux',
].join('\n');

async function exists(uuid: string, path: string): Promise<boolean> {
  return (await agent.runtime.exec(uuid, ['test', '-e', path], { user: 'root' })).exitCode === 0;
}

function output(h: AttachHandle): { text: () => string } {
  let text = '';
  h.stream.on('data', (d: Buffer) => (text += d.toString()));
  return { text: () => text };
}

describe('a read-only attach', () => {
  it('never types into the pane, even when tmux inside ignores -r', async () => {
    const s = await agent.api.call('create', { name: 'watched' });
    await agent.api.call('restart', { id: s.uuid });
    const planted = await agent.runtime.exec(s.uuid, ['bash', '-c', WRAPPER], { user: 'root' });
    expect(planted.exitCode, planted.output).toBe(0);

    const watcher = await agent.api.attach({ id: s.uuid, cols: 80, rows: 24, read_only: true });
    const seen = output(watcher);
    await waitFor('the watcher sees the pane', async () => (seen.text().length > 0 ? true : undefined), 15_000);
    watcher.stream.write('echo pwned > /tmp/pwned-by-watcher\r');

    const operator = await agent.api.attach({ id: s.uuid, cols: 80, rows: 24 });
    operator.stream.write('echo done > /tmp/operator-typed\r');
    await waitFor('the operator typed', async () => ((await exists(s.uuid, '/tmp/operator-typed')) ? true : undefined), 15_000);
    expect(await exists(s.uuid, '/tmp/pwned-by-watcher')).toBe(false);
    // The watcher sees the operator's command: it watches, it just cannot type.
    await waitFor('the watcher sees the operator', async () => (seen.text().includes('operator-typed') ? true : undefined), 15_000);

    // Ctrl-B d still detaches the watcher.
    watcher.stream.write('\u0002d');
    await watcher.done;
    operator.close();
  }, 120_000);
});
