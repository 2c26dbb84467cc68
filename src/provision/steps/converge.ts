// Bring a host to a list of resources: one probe, the plan printed line by
// line, and one remote script per resource that is missing or differs.
import type { Host } from '../host.js';
import { step, type Print } from '../report.js';
import { applyScript, keyOf, parseFacts, plan, probeScript, type Resource } from './desired-state.js';

/** Returns the keys of the resources it created or changed. */
export async function converge(host: Host, title: string, resources: readonly Resource[], print: Print, remedy?: string): Promise<Set<string>> {
  const changed = new Set<string>();
  await step(host.name, title, print, async () => {
    const facts = parseFacts((await host.run(probeScript(resources))).stdout);
    for (const p of plan(resources, facts)) {
      print(`[${host.name}] ${title}: ${p.detail}`);
      if (p.state === 'already') continue;
      const { script, input } = applyScript(p);
      await host.run(script, { input });
      changed.add(keyOf(p.resource));
    }
  }, remedy);
  return changed;
}
