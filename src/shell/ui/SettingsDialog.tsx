// Read-only diagnostics: this build, and every agent with its reachability,
// version and last heartbeat, plus session directories that could not be read.
import { Box, Text } from 'ink';
import type { AgentHealth, MergedList } from '../app/agents.js';
import { relativeAge, truncate } from '../app/format.js';
import type { BuildInfo } from '../app/state.js';
import { Dialog } from './Dialog.js';

export interface SettingsDialogProps {
  version: string;
  build: BuildInfo;
  health: readonly AgentHealth[];
  unreachable: readonly string[];
  broken: MergedList['broken'];
  now: number;
  width: number;
}

function agentLine(h: AgentHealth, down: boolean, now: number): string {
  const status = down || !h.reachable ? `unreachable${h.error ? `: ${h.error}` : ''}` : 'reachable';
  const version = h.version ? `v${h.version}` : 'version ?';
  return `${h.info.id}  ${h.info.host}  ${version}  heartbeat ${relativeAge(h.lastHeartbeat, now)}  ${status}`;
}

export function SettingsDialog(p: SettingsDialogProps) {
  const inner = p.width - 4;
  return (
    <Dialog title="Settings" width={p.width}>
      <Text wrap="truncate">{truncate(`convocate ${p.version}  (node ${p.build.node}, ${p.build.platform})`, inner)}</Text>
      <Box flexDirection="column" marginTop={1}>
        <Text bold>Agents</Text>
        {p.health.length === 0 ? <Text dimColor>none registered</Text> : null}
        {p.health.map((h) => {
          const down = p.unreachable.includes(h.info.id) || !h.reachable;
          return (
            <Text key={h.info.id} color={down ? 'yellow' : undefined} wrap="wrap">
              {agentLine(h, down, p.now)}
            </Text>
          );
        })}
      </Box>
      {p.broken.length > 0 ? (
        <Box flexDirection="column" marginTop={1}>
          <Text bold>Unreadable session directories</Text>
          {p.broken.map((b) => (
            <Text key={`${b.agent_id}/${b.uuid}`} color="red" wrap="wrap">
              {`${b.agent_id}  ${b.uuid}  ${b.error}`}
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
