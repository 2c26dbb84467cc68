// Explains why nothing can be created yet, and the two ways to fix it.
import { Box, Text } from 'ink';
import { Dialog } from './Dialog.js';

export function NoAgentsDialog({ width }: { width: number }) {
  return (
    <Dialog title="No agents registered" width={width} color="yellow">
      <Text wrap="wrap">Sessions live on agents, and none is registered or running here. Either:</Text>
      <Box flexDirection="column" marginTop={1}>
        <Text wrap="wrap">- register a host: {'convocate-host init-agent <host> (run it from this machine), or'}</Text>
        <Text wrap="wrap">- start Docker on this machine and run convocate again to use the embedded local agent.</Text>
      </Box>
      <Box marginTop={1}>
        <Text dimColor>Enter or Esc to close</Text>
      </Box>
    </Dialog>
  );
}
