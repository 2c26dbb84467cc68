// `convocate usage [--json]`: what each session's Claude conversation has
// used, per session and per agent, with the date of the price table the
// costs come from. An unreachable agent is a warning, not a failure.
import type { UsageResult } from '../../protocol/ops.js';
import { formatCost } from '../app/format.js';
import type { AgentDirectory } from '../client/agent-directory.js';
import type { CliIo } from './commands.js';

type Row = UsageResult['sessions'][number] & { agent_id: string };

export async function usageCommand(dir: AgentDirectory, io: CliIo, opts: { json?: boolean }): Promise<void> {
  const answers = await Promise.all(
    dir.agents().map(async (a) => {
      try {
        return { agent: a.id, result: await dir.client(a.id).call('usage', null) };
      } catch (err) {
        io.stderr.write(`warning: agent ${a.id} unreachable: ${err instanceof Error ? err.message : String(err)}\n`);
        return undefined;
      }
    }),
  );
  const got = answers.filter((a) => a !== undefined);
  const sessions: Row[] = got.flatMap((a) => a.result.sessions.map((s) => ({ ...s, agent_id: a.agent })));
  const agents = got.map((a) => ({ agent_id: a.agent, ...totals(a.result.sessions) }));
  const pricesDate = got[0]?.result.prices_date ?? '';
  if (opts.json) {
    io.stdout.write(`${JSON.stringify({ sessions, agents, total: totals(sessions), prices_date: pricesDate }, null, 2)}\n`);
    return;
  }
  const n = (v: number | null) => (v === null ? '-' : String(v));
  const rows = sessions.map((s) => [s.name, s.agent_id, n(s.tokens_in), n(s.tokens_out), formatCost(s.cost_usd), s.context_percent === null ? '-' : `${s.context_percent}%`]);
  for (const a of agents) rows.push([`(agent total)`, a.agent_id, String(a.tokens_in), String(a.tokens_out), formatCost(a.cost_usd), '']);
  const all = totals(sessions);
  rows.push(['(total)', '', String(all.tokens_in), String(all.tokens_out), formatCost(all.cost_usd), '']);
  const header = ['NAME', 'AGENT', 'TOKENS IN', 'TOKENS OUT', 'COST', 'CONTEXT'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  io.stdout.write([line(header), ...rows.map(line), `costs estimated from list prices as of ${pricesDate}`].join('\n') + '\n');
}

function totals(sessions: ReadonlyArray<UsageResult['sessions'][number]>): { tokens_in: number; tokens_out: number; cost_usd: number } {
  return {
    tokens_in: sessions.reduce((a, s) => a + (s.tokens_in ?? 0), 0),
    tokens_out: sessions.reduce((a, s) => a + (s.tokens_out ?? 0), 0),
    cost_usd: Math.round(sessions.reduce((a, s) => a + (s.cost_usd ?? 0), 0) * 1e6) / 1e6,
  };
}
