// One line under the table: a running action, or why the last key did nothing.
import { Text } from 'ink';
import { truncate } from '../app/format.js';

export function StatusLine({ busy, message, width }: { busy?: string; message?: string; width: number }) {
  if (busy) return <Text color="cyan">{truncate(busy, width)}</Text>;
  if (message) return <Text color="yellow">{truncate(message, width)}</Text>;
  return <Text> </Text>;
}
