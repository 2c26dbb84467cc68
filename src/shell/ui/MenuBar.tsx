// The bottom lines: the keys that apply on the current screen, packed to the width.
import { Box, Text } from 'ink';
import type { MenuItem } from '../app/actions.js';
import { menuLines } from '../app/format.js';

export function MenuBar({ items, width }: { items: readonly MenuItem[]; width: number }) {
  return (
    <Box flexDirection="column">
      {menuLines(items, width).map((line, i) => (
        <Text key={i} wrap="truncate">
          {line.map((item, j) => (
            <Text key={item.key}>
              {j > 0 ? '  ' : ''}
              <Text bold color="cyan">
                {item.key}
              </Text>{' '}
              {item.label}
            </Text>
          ))}
        </Text>
      ))}
    </Box>
  );
}
