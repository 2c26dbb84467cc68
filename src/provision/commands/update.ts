// `update`: the new bundle (and image) onto each host, `current` switched,
// services restarted. Session containers are plain Docker containers: they
// keep running and the restarted agent finds them by label. An agent that
// fails its ping is switched back to the previous bundle.
import type { Bundle } from '../steps/bundle.js';
import type { Host } from '../host.js';
import { pingAgent } from '../steps/health.js';
import { ensureImage } from '../steps/image.js';
import { install, switchCurrent } from './install.js';
import { step, StepFailure, type Print } from '../report.js';
import { hostResources } from '../steps/host-resources.js';
import { converge } from '../steps/converge.js';
import type { Resource } from '../steps/desired-state.js';
import { daemonReload, ensureService } from '../steps/services.js';
import {
  AGENT_UNIT, parseAgentUnit, parseStatusUnit, parseWebUnit, renderAgentUnit, renderSlice, renderStatusUnit, renderWebUnit, SLICE_UNIT, STATUS_UNIT, UNIT_DIR,
  WEB_UNIT,
} from '../steps/units.js';

export interface UpdateOptions {
  image: string;
  buildImage: boolean;
}

export async function update(host: Host, bundle: Bundle | Promise<Bundle>, opts: UpdateOptions, print: Print): Promise<void> {
  const roles = await step(host.name, 'roles', print, async () => {
    const r = await host.run(`for u in ${AGENT_UNIT} ${STATUS_UNIT} ${WEB_UNIT}; do printf '%s %s\\n' $u "$(systemctl is-enabled $u 2>/dev/null)"; done`);
    const enabled = new Set(r.stdout.split('\n').filter((l) => l.endsWith(' enabled')).map((l) => l.split(' ')[0]));
    return { agent: enabled.has(AGENT_UNIT), shell: enabled.has(STATUS_UNIT), web: enabled.has(WEB_UNIT) };
  });
  if (!roles.agent && !roles.shell) {
    throw new StepFailure(host.name, 'roles', 'neither convocate-agent nor convocate-status is installed', `run \`convocate-host init-agent\` or \`init-shell\` on ${host.name} first`);
  }
  print(`[${host.name}] roles: ${[roles.agent && 'agent', roles.shell && 'shell'].filter(Boolean).join(', ')}`);
  if (roles.agent) await ensureImage(host, { tag: opts.image, build: opts.buildImage }, print);
  const result = await install(host, bundle, print);
  const { id } = await bundle;
  const units = await rerenderUnits(host, roles, opts.image, print);
  if (!result.switched && !units.changed) {
    print(`[${host.name}] update: already at ${id}`);
    return;
  }
  if (roles.shell) await ensureService(host, STATUS_UNIT, true, print);
  // The web cockpit runs the same bundle: it restarts onto the new one.
  if (roles.web) await ensureService(host, WEB_UNIT, true, print);
  if (!roles.agent) return;
  await ensureService(host, AGENT_UNIT, true, print);
  try {
    const pong = await pingAgent(host, 30);
    print(`[${host.name}] ping: agent ${pong.agent_id} ${pong.version} answers on ${id}`);
  } catch (err) {
    const reason = (err as Error).message;
    const bundleBack = result.switched ? result.previous : undefined;
    if (!bundleBack && !units.changed) {
      throw new StepFailure(host.name, 'ping', reason, `see \`journalctl -u ${AGENT_UNIT}\`; there is no previous version to roll back to`);
    }
    const to = bundleBack ?? `${id} with its previous units`;
    print(`[${host.name}] ping: FAILED on ${id}: ${reason}`);
    print(`[${host.name}] rollback: switching back to ${to}`);
    if (bundleBack) await switchCurrent(host, bundleBack, print);
    if (units.changed && (await converge(host, 'units', units.before, print)).size > 0) await daemonReload(host, print);
    if (roles.shell) await ensureService(host, STATUS_UNIT, true, print);
    if (roles.web) await ensureService(host, WEB_UNIT, true, print);
    await ensureService(host, AGENT_UNIT, true, print);
    const pong = await step(host.name, 'ping after rollback', print, () => pingAgent(host, 30));
    print(`[${host.name}] rollback: agent ${pong.agent_id} answers again on ${to}`);
    throw new StepFailure(host.name, 'ping', `the updated agent (${id}) failed its health check: ${reason}; ROLLED BACK to ${to}`,
      `see \`journalctl -u ${AGENT_UNIT}\` on ${host.name} for why ${id} did not answer`);
  }
}

/**
 * The units as this version renders them, from the options the installed ones
 * carry (a newer release may change a unit; the image tag follows the version).
 * Returns what they were, for a rollback.
 */
async function rerenderUnits(host: Host, roles: { agent: boolean; shell: boolean; web: boolean }, image: string, print: Print): Promise<{ changed: boolean; before: Resource[] }> {
  const read = async (unit: string) => (await host.run(`cat ${UNIT_DIR}/${unit}`)).stdout;
  const wanted: Resource[] = [];
  const before: Resource[] = [];
  const notOurs = (unit: string) =>
    new StepFailure(host.name, 'units', `${UNIT_DIR}/${unit} was not written by convocate-host`, 'run init-agent or init-shell on this host again, which rewrites it');
  if (roles.agent) {
    const [agentText, sliceText] = [await read(AGENT_UNIT), await read(SLICE_UNIT).catch(() => '')];
    const installed = parseAgentUnit(agentText);
    if (!installed) throw notOurs(AGENT_UNIT);
    const facts = await hostResources(host, print);
    wanted.push(
      { kind: 'file', path: `${UNIT_DIR}/${SLICE_UNIT}`, content: renderSlice(facts.limits), mode: 0o644 },
      { kind: 'file', path: `${UNIT_DIR}/${AGENT_UNIT}`, content: renderAgentUnit({ ...installed, cgroupParent: facts.cgroupParent, image }), mode: 0o644 },
    );
    if (sliceText) before.push({ kind: 'file', path: `${UNIT_DIR}/${SLICE_UNIT}`, content: sliceText, mode: 0o644 });
    before.push({ kind: 'file', path: `${UNIT_DIR}/${AGENT_UNIT}`, content: agentText, mode: 0o644 });
  }
  /** A shell unit rendered anew from the options it carries. */
  const rerender = async <O>(unit: string, parse: (text: string) => O | undefined, render: (o: O) => string) => {
    const text = await read(unit);
    const installed = parse(text);
    if (!installed) throw notOurs(unit);
    wanted.push({ kind: 'file', path: `${UNIT_DIR}/${unit}`, content: render(installed), mode: 0o644 });
    before.push({ kind: 'file', path: `${UNIT_DIR}/${unit}`, content: text, mode: 0o644 });
  };
  if (roles.shell) await rerender(STATUS_UNIT, parseStatusUnit, renderStatusUnit);
  if (roles.web) await rerender(WEB_UNIT, parseWebUnit, renderWebUnit);
  const changed = await converge(host, 'units', wanted, print);
  if (changed.size > 0) await daemonReload(host, print);
  return { changed: changed.size > 0, before };
}
