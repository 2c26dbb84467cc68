// Chooses the agent a new session will live on, when there is more than one.
import { Box, Text } from 'ink';
import type { AgentInfo } from '../app/agents.js';
import { truncate } from '../app/format.js';
import { Dialog } from './Dialog.js';

export interface AgentPickerProps {
  agents: readonly AgentInfo[];
  unreachable: readonly string[];
  index: number;
  width: number;
}

export function AgentPicker({ agents, unreachable, index, width }: AgentPickerProps) {
  return (
    <Dialog title="New session on which agent?" width={width}>
      <Box flexDirection="column" marginTop={1}>
        {agents.map((a, i) => {
          const down = unreachable.includes(a.id);
          const line = `${i === index ? '> ' : '  '}${a.id.padEnd(10)} ${a.host}${down ? '  (unreachable)' : ''}`;
          return (
            <Text key={a.id} inverse={i === index} dimColor={down} wrap="truncate">
              {truncate(line, width - 4)}
            </Text>
          );
        })}
      </Box>
      <Box marginTop={1}>
        <Text dimColor>Up/Down choose  Enter pick  Esc cancel</Text>
      </Box>
    </Dialog>
  );
}
