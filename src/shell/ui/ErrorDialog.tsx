// Shows what went wrong, in full: the text wraps instead of being cut off.
import { Box, Text } from 'ink';
import { Dialog } from './Dialog.js';

export function ErrorDialog({ message, code, width }: { message: string; code?: string; width: number }) {
  return (
    <Dialog title={code ? `Error (${code})` : 'Error'} width={width} color="red">
      <Text wrap="wrap">{message}</Text>
      <Box marginTop={1}>
        <Text dimColor>Enter or Esc to close</Text>
      </Box>
    </Dialog>
  );
}
