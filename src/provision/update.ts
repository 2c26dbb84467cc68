// `update`: the new bundle (and image) onto each host, `current` switched,
// services restarted. Session containers are plain Docker containers: they
// keep running and the restarted agent finds them by label. An agent that
// fails its ping is switched back to the previous bundle.
import type { Bundle } from './bundle.js';
import type { Host } from './host.js';
import { pingAgent } from './health.js';
import { ensureImage } from './image.js';
import { install, switchCurrent } from './install.js';
import { step, StepFailure, type Print } from './report.js';
import { ensureService } from './services.js';
import { AGENT_UNIT, STATUS_UNIT } from './units.js';

export interface UpdateOptions {
  image: string;
  buildImage: boolean;
}

export async function update(host: Host, bundle: Bundle | Promise<Bundle>, opts: UpdateOptions, print: Print): Promise<void> {
  const roles = await step(host.name, 'roles', print, async () => {
    const r = await host.run(`for u in ${AGENT_UNIT} ${STATUS_UNIT}; do printf '%s %s\\n' $u "$(systemctl is-enabled $u 2>/dev/null)"; done`);
    const enabled = new Set(r.stdout.split('\n').filter((l) => l.endsWith(' enabled')).map((l) => l.split(' ')[0]));
    return { agent: enabled.has(AGENT_UNIT), shell: enabled.has(STATUS_UNIT) };
  });
  if (!roles.agent && !roles.shell) {
    throw new StepFailure(host.name, 'roles', 'neither convocate-agent nor convocate-status is installed', `run \`convocate-host init-agent\` or \`init-shell\` on ${host.name} first`);
  }
  print(`[${host.name}] roles: ${[roles.agent && 'agent', roles.shell && 'shell'].filter(Boolean).join(', ')}`);
  if (roles.agent) await ensureImage(host, { tag: opts.image, build: opts.buildImage }, print);
  const result = await install(host, bundle, print);
  const { id } = await bundle;
  if (!result.switched) {
    print(`[${host.name}] update: already at ${id}`);
    return;
  }
  if (roles.shell) await ensureService(host, STATUS_UNIT, true, print);
  if (!roles.agent) return;
  await ensureService(host, AGENT_UNIT, true, print);
  try {
    const pong = await pingAgent(host, 30);
    print(`[${host.name}] ping: agent ${pong.agent_id} ${pong.version} answers on ${id}`);
  } catch (err) {
    const reason = (err as Error).message;
    if (!result.previous) throw new StepFailure(host.name, 'ping', reason, `see \`journalctl -u ${AGENT_UNIT}\`; there is no previous version to roll back to`);
    print(`[${host.name}] ping: FAILED on ${id}: ${reason}`);
    print(`[${host.name}] rollback: switching back to ${result.previous}`);
    await switchCurrent(host, result.previous, print);
    if (roles.shell) await ensureService(host, STATUS_UNIT, true, print);
    await ensureService(host, AGENT_UNIT, true, print);
    const pong = await step(host.name, 'ping after rollback', print, () => pingAgent(host, 30));
    print(`[${host.name}] rollback: agent ${pong.agent_id} answers again on ${result.previous}`);
    throw new StepFailure(host.name, 'ping', `the updated agent (${id}) failed its health check: ${reason}; ROLLED BACK to ${result.previous}`,
      `see \`journalctl -u ${AGENT_UNIT}\` on ${host.name} for why ${id} did not answer`);
  }
}
