// `status`: what is installed on a host, in one probe: bundle versions, units,
// slice limits, peering on either side, and the session image.
import { shellQuote, type Host } from '../host.js';
import { step, type Print } from '../report.js';
import { sanitizeText } from '../../protocol/sanitise.js';
import {
  AGENT_CONFIG_DIR, AGENT_UNIT, CURRENT, parseStatusUnit, parseWebUnit, PREFIX, SHELL_CONFIG_DIR, SLICE_UNIT, STATUS_UNIT, UNIT_DIR, WEB_UNIT,
} from '../steps/units.js';

/** Marks the units' ExecStart lines in the probe's output, read back in TypeScript as update reads them. */
const EXEC_START = 'exec-start';

export async function status(host: Host, image: string, print: Print): Promise<void> {
  const r = await step(host.name, 'status', print, () =>
    host.run(
      `echo "current: $(readlink ${CURRENT} 2>/dev/null || echo 'not installed')"
       echo "previous: $(readlink ${PREFIX}/previous 2>/dev/null || echo none)"
       echo "versions: $(ls ${PREFIX} 2>/dev/null | grep -v -e '^current$' -e '^previous$' -e '^\\.' | tr '\\n' ' ')"
       for u in ${AGENT_UNIT} ${STATUS_UNIT} ${WEB_UNIT} ${SLICE_UNIT} dnsmasq.service docker.service; do
         echo "unit $u: $(systemctl is-enabled $u 2>/dev/null || true) $(systemctl is-active $u 2>/dev/null || true)"
       done
       for u in ${STATUS_UNIT} ${WEB_UNIT}; do [ -f ${UNIT_DIR}/$u ] && sed -n "s/^ExecStart=/${EXEC_START} $u ExecStart=/p" ${UNIT_DIR}/$u; done
       echo "slice limits: $(systemctl show ${SLICE_UNIT} -p CPUQuotaPerSecUSec -p MemoryMax 2>/dev/null | tr '\\n' ' ')"
       [ -f ${AGENT_CONFIG_DIR}/agent-id ] && echo "agent id: $(cat ${AGENT_CONFIG_DIR}/agent-id), reports to $(cat ${AGENT_CONFIG_DIR}/shell-host 2>/dev/null || echo nothing), $(grep -c . ${AGENT_CONFIG_DIR}/authorized_keys 2>/dev/null || echo 0) authorized keys"
       for d in ${SHELL_CONFIG_DIR}/agent-keys/*/; do [ -d "$d" ] && echo "registered agent: $(basename "$d") at $(cat "$d/agent-host" 2>/dev/null)"; done
       i=$(docker image inspect --format '{{.Id}}' ${shellQuote(image)} 2>/dev/null | cut -c1-19); echo "session image ${image}: \${i:-absent}"
       true`,
    ),
  );
  // The host's files (its agent id, registered agents) are a peer's words: sanitised before the terminal.
  for (const line of r.stdout.trim().split('\n')) {
    const text = line.startsWith(`${EXEC_START} `) ? unitFacts(line) : line.trim();
    if (text) print(`[${host.name}] ${sanitizeText(text)}`);
  }
}

/** What an installed unit says, read back as update reads it: `exec-start <unit> ExecStart=…`. */
function unitFacts(line: string): string | undefined {
  const [, unit, execStart] = /^\S+ (\S+) (.*)$/.exec(line) ?? [];
  if (unit === STATUS_UNIT) {
    const o = parseStatusUnit(execStart ?? '');
    return o && `notify command: ${o.notify ? 'on' : 'off'}`;
  }
  const web = parseWebUnit(execStart ?? '');
  return web && `web cockpit: ${web.tls ? 'https' : 'http'} on ${web.listen}`;
}
