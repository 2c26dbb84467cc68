// `status`: what is installed on a host, in one probe: bundle versions, units,
// slice limits, peering on either side, and the session image.
import { shellQuote, type Host } from '../host.js';
import { step, type Print } from '../report.js';
import { sanitizeText } from '../../protocol/sanitise.js';
import { AGENT_CONFIG_DIR, AGENT_UNIT, CURRENT, PREFIX, SHELL_CONFIG_DIR, SLICE_UNIT, STATUS_UNIT, UNIT_DIR, WEB_UNIT } from '../steps/units.js';

export async function status(host: Host, image: string, print: Print): Promise<void> {
  const r = await step(host.name, 'status', print, () =>
    host.run(
      `echo "current: $(readlink ${CURRENT} 2>/dev/null || echo 'not installed')"
       echo "previous: $(readlink ${PREFIX}/previous 2>/dev/null || echo none)"
       echo "versions: $(ls ${PREFIX} 2>/dev/null | grep -v -e '^current$' -e '^previous$' -e '^\\.' | tr '\\n' ' ')"
       for u in ${AGENT_UNIT} ${STATUS_UNIT} ${WEB_UNIT} ${SLICE_UNIT} dnsmasq.service docker.service; do
         echo "unit $u: $(systemctl is-enabled $u 2>/dev/null || true) $(systemctl is-active $u 2>/dev/null || true)"
       done
       s=${UNIT_DIR}/${STATUS_UNIT}; [ -f $s ] && echo "notify command: $(grep -q -- '--notify-cmd' $s && echo on || echo off)"
       w=${UNIT_DIR}/${WEB_UNIT}; [ -f $w ] && echo "web cockpit: $(grep -q -- '--tls-cert' $w && echo https || echo http) on $(sed -n 's/^ExecStart=.* --listen \\([^ ]*\\).*/\\1/p' $w)"
       echo "slice limits: $(systemctl show ${SLICE_UNIT} -p CPUQuotaPerSecUSec -p MemoryMax 2>/dev/null | tr '\\n' ' ')"
       [ -f ${AGENT_CONFIG_DIR}/agent-id ] && echo "agent id: $(cat ${AGENT_CONFIG_DIR}/agent-id), reports to $(cat ${AGENT_CONFIG_DIR}/shell-host 2>/dev/null || echo nothing), $(grep -c . ${AGENT_CONFIG_DIR}/authorized_keys 2>/dev/null || echo 0) authorized keys"
       for d in ${SHELL_CONFIG_DIR}/agent-keys/*/; do [ -d "$d" ] && echo "registered agent: $(basename "$d") at $(cat "$d/agent-host" 2>/dev/null)"; done
       i=$(docker image inspect --format '{{.Id}}' ${shellQuote(image)} 2>/dev/null | cut -c1-19); echo "session image ${image}: \${i:-absent}"
       true`,
    ),
  );
  // The host's files (its agent id, registered agents) are a peer's words: sanitised before the terminal.
  for (const line of r.stdout.trim().split('\n')) print(`[${host.name}] ${sanitizeText(line.trim())}`);
}
