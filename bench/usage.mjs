// The cost of usage and changes in a list: 500 sessions whose homes hold a
// Claude transcript and the Stop hook's change counts, against 500 without
// them, side by side in the same run. The figures come from files the turns
// wrote, read once and then kept until a hook reports, never at list time.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { benchAgent, fmt, pct, row, timed } from './lib.mjs';

const SESSIONS = Number(process.env.BENCH_LIST_SESSIONS || 500);
const ROUNDS = 60;
const usage = { input_tokens: 120, output_tokens: 30, cache_creation_input_tokens: 500, cache_read_input_tokens: 2000 };

async function agentWith(name, withFiles) {
  const agent = await benchAgent(name);
  for (let i = 0; i < SESSIONS; i++) {
    const s = await agent.store.create({ name: `s${i}`, port: 0, repo: withFiles ? 'https://example.invalid/r.git' : undefined });
    if (!withFiles) continue;
    const home = agent.store.homeDir(s.uuid);
    const conversation = randomUUID();
    const dir = join(home, '.claude', 'projects', '-home-convocate-work');
    await mkdir(dir, { recursive: true });
    const replies = Array.from({ length: 40 }, (_, n) =>
      JSON.stringify({ type: 'assistant', message: { id: `msg_${n}`, model: 'claude-sonnet-4-5', usage, content: [{ type: 'text', text: 'x'.repeat(400) }] } }),
    );
    await writeFile(join(dir, `${conversation}.jsonl`), `${replies.join('\n')}\n`);
    await writeFile(join(home, '.convocate-conversation'), `${conversation}\n`);
    await writeFile(join(home, '.convocate-changes'), '12 340 56\n');
  }
  return agent;
}

/** Both agents' lists, one after the other each round, so that both see the same machine. */
async function listTimes(agents) {
  const out = agents.map(() => ({ first: 0, times: [], sample: undefined }));
  for (const [i, agent] of agents.entries()) {
    const first = await timed(() => agent.api.call('list', null));
    out[i].first = first.ms;
    out[i].sample = first.value.sessions[0];
  }
  for (let r = 0; r < ROUNDS; r++) {
    for (const [i, agent] of agents.entries()) out[i].times.push((await timed(() => agent.api.call('list', null))).ms);
  }
  return out;
}

console.log(`# usage and changes in list (${SESSIONS} sessions)`);
const plain = await agentWith('usage-plain', false);
const rich = await agentWith('usage-rich', true);
try {
  const [a, b] = await listTimes([plain, rich]);
  if (b.sample.tokens_in === null || b.sample.changes_files === null) throw new Error('usage or changes missing from the list');
  row('list, no usage or changes files (first / p50 / p95)', fmt(a.first), fmt(pct(a.times, 50)), fmt(pct(a.times, 95)));
  row('list, a transcript + changes each (first / p50 / p95)', fmt(b.first), fmt(pct(b.times, 50)), fmt(pct(b.times, 95)));
  row('p50 difference (target <= 2 ms)', fmt(pct(b.times, 50) - pct(a.times, 50)));
} finally {
  await plain.cleanup();
  await rich.cleanup();
}
