// The frame every dialog shares: a rounded border, a bold title, centred in the body.
import { Box, Text } from 'ink';
import type { ReactNode } from 'react';

export function Dialog(props: { title: string; width: number; color?: string; children: ReactNode }) {
  return (
    <Box borderStyle="round" borderColor={props.color ?? 'cyan'} flexDirection="column" width={props.width} paddingX={1}>
      <Text bold color={props.color ?? 'cyan'} wrap="truncate">
        {props.title}
      </Text>
      {props.children}
    </Box>
  );
}

/** Dialog width for a terminal `cols` wide: roomy, but never touching the edges. */
export function dialogWidth(cols: number, max = 72): number {
  return Math.max(20, Math.min(max, cols - 2));
}
