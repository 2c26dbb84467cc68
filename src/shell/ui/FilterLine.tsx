// The `/` filter line above the table: what is typed, and how many rows match.
import { Text } from 'ink';
import { truncate } from '../app/format.js';
import type { Filter } from '../app/state.js';

export function FilterLine({ filter, shown, total, width }: { filter: Filter; shown: number; total: number; width: number }) {
  const count = `${shown} of ${total}`;
  const hint = filter.editing ? 'Enter keeps · Esc clears' : 'Esc clears';
  const left = `/${filter.text}${filter.editing ? '▏' : ''}`;
  const right = `${count}  ${hint}`;
  const gap = Math.max(2, width - left.length - right.length);
  return (
    <Text color={filter.editing ? 'cyan' : 'gray'} wrap="truncate">
      {truncate(`${left}${' '.repeat(gap)}${right}`, width)}
    </Text>
  );
}
