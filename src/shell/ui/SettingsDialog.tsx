// Read-only diagnostics: this build, and every agent with its reachability,
// version, last heartbeat and session-environment variable names (never
// values), plus session directories that could not be read.
import { Box, Text } from 'ink';
import type { AgentHealth, MergedList } from '../app/agents.js';
import { sanitizeText } from '../../protocol/sanitise.js';
import { relativeAge, truncate } from '../app/format.js';
import type { BuildInfo, EnvNames } from '../app/state.js';
import { Dialog } from './Dialog.js';

export interface SettingsDialogProps {
  version: string;
  build: BuildInfo;
  health: readonly AgentHealth[];
  unreachable: readonly string[];
  broken: MergedList['broken'];
  /** Undefined while loading. */
  envNames?: EnvNames;
  now: number;
  width: number;
}

// Ids, versions, errors and timestamps come from agents: one sanitiser before the terminal.
function agentLine(h: AgentHealth, down: boolean, now: number): string {
  const status = down || !h.reachable ? `unreachable${h.error ? `: ${h.error}` : ''}` : 'reachable';
  const version = h.version ? `v${h.version}` : 'version ?';
  return sanitizeText(`${h.info.id}  ${h.info.host}  ${version}  heartbeat ${relativeAge(h.lastHeartbeat, now)}  ${status}`);
}

function envLine(names: EnvNames | undefined, agentId: string): string {
  const entry = names?.[agentId];
  if (!entry) return '  environment: loading…';
  if ('error' in entry) return sanitizeText(`  environment: unknown (${entry.error})`);
  return sanitizeText(`  environment: ${entry.names.length ? entry.names.join(' ') : 'none set'}`);
}

/** The agent's defaults for new sessions' limits and egress. */
export function defaultsLine(names: EnvNames | undefined, agentId: string): string | undefined {
  const entry = names?.[agentId];
  if (!entry || 'error' in entry || !entry.defaults) return undefined;
  const d = entry.defaults;
  const memory = d.memory_bytes === null ? 'no limit' : `${(d.memory_bytes / 1024 ** 3).toFixed(1)} GiB`;
  const egress = d.egress === 'allow' ? `allow ${d.egress_allow.join(',') || '(nothing)'}` : d.egress;
  return sanitizeText(`  session defaults: cpus ${d.cpus ?? 'no limit'}, memory ${memory}, pids ${d.pids_limit}, egress ${egress}`);
}

export function buildLines(version: string, build: BuildInfo): string[] {
  const stamp = build.commit ? `build ${build.commit}${build.date ? ` ${build.date}` : ''}` : 'build unknown (run from source)';
  return [`convocate ${version}`, stamp, `node ${build.node}  ${build.platform}`];
}

export function SettingsDialog(p: SettingsDialogProps) {
  const inner = p.width - 4;
  return (
    <Dialog title="Settings" width={p.width}>
      {buildLines(p.version, p.build).map((line) => (
        <Text key={line} wrap="truncate">
          {truncate(line, inner)}
        </Text>
      ))}
      <Box flexDirection="column" marginTop={1}>
        <Text bold>Agents</Text>
        {p.health.length === 0 ? <Text dimColor>none registered</Text> : null}
        {p.health.map((h) => {
          const down = p.unreachable.includes(h.info.id) || !h.reachable;
          return (
            <Box key={h.info.id} flexDirection="column">
              <Text color={down ? 'yellow' : undefined} wrap="wrap">
                {agentLine(h, down, p.now)}
              </Text>
              <Text dimColor wrap="wrap">
                {truncate(envLine(p.envNames, h.info.id), inner * 3)}
              </Text>
              {defaultsLine(p.envNames, h.info.id) ? (
                <Text dimColor wrap="wrap">
                  {truncate(defaultsLine(p.envNames, h.info.id)!, inner * 3)}
                </Text>
              ) : null}
            </Box>
          );
        })}
      </Box>
      {p.broken.length > 0 ? (
        <Box flexDirection="column" marginTop={1}>
          <Text bold>Unreadable session directories</Text>
          {p.broken.map((b) => (
            <Text key={`${b.agent_id}/${b.uuid}`} color="red" wrap="wrap">
              {sanitizeText(`${b.agent_id}  ${b.uuid}  ${b.error}`)}
            </Text>
          ))}
        </Box>
      ) : null}
      <Box marginTop={1}>
        <Text dimColor>Enter or Esc to close</Text>
      </Box>
    </Dialog>
  );
}
