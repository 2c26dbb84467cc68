// The agent's health check: `ping` over its own SSH control plane, made on the
// agent host with OpenSSH and a local health key pinned against its host key.
import type { Host } from '../host.js';
import { AGENT_CONFIG_DIR, AGENT_FILES } from '../../protocol/host-files.js';
import { encodeRequest } from '../../protocol/rpc.js';
import { AGENT_PORT, RPC_SUBSYSTEM } from '../../protocol/subsystems.js';

export const HEALTH_KEY = `${AGENT_CONFIG_DIR}/${AGENT_FILES.healthKey}`;
/** The request line, quoted for sh (JSON has no single quote to escape). */
const PING_LINE = `'${encodeRequest('ping', null).trimEnd()}'`;

export interface PingAnswer {
  agent_id: string;
  version: string;
}

/** Polls for up to `seconds`; returns the answer or throws with the last error seen. */
export async function pingAgent(host: Host, seconds = 30): Promise<PingAnswer> {
  const r = await host.run(
    `kh=$(mktemp); trap 'rm -f "$kh"' EXIT
     echo "[127.0.0.1]:${AGENT_PORT} $(cut -d' ' -f1,2 ${AGENT_CONFIG_DIR}/${AGENT_FILES.hostKey}.pub)" > "$kh"
     last=''
     for i in $(seq ${seconds * 2}); do
       out=$(echo ${PING_LINE} | ssh -F /dev/null -i ${HEALTH_KEY} -o IdentitiesOnly=yes -o BatchMode=yes \\
         -o UserKnownHostsFile="$kh" -o StrictHostKeyChecking=yes -o ConnectTimeout=5 -p ${AGENT_PORT} convocate@127.0.0.1 -s ${RPC_SUBSYSTEM} 2>&1) \\
         && case "$out" in *'"ok":true'*) echo "$out"; exit 0;; esac
       last=$out; sleep 0.5
     done
     echo "no ping answer within ${seconds} s: $last" >&2; exit 1`,
    { timeoutMs: (seconds + 30) * 1000 },
  );
  const line = r.stdout.trim().split('\n').pop() ?? '';
  const parsed = JSON.parse(line) as { ok: boolean; result?: PingAnswer };
  if (!parsed.ok || !parsed.result) throw new Error(`ping answered ${line}`);
  return parsed.result;
}
