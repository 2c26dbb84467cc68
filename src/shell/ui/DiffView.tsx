// The `V` screen: the highlighted session's diff, coloured by line kind and
// scrolled by the keys in app/diff-view.ts. Lines never wrap.
import { Box, Text } from 'ink';
import { shortId } from '../../protocol/session.js';
import { diffLineKind, type DiffLineKind, type DiffMode } from '../app/diff-view.js';
import { truncate } from '../app/format.js';

const COLOUR: Record<DiffLineKind, string | undefined> = { file: 'white', hunk: 'cyan', added: 'green', removed: 'red', context: undefined };

export function DiffView({ mode, width, height }: { mode: DiffMode; width: number; height: number }) {
  const s = mode.session;
  const lines = mode.lines ?? [];
  const shown = Math.max(1, height - 1);
  const visible = lines.slice(mode.top, mode.top + shown);
  const where = lines.length > 0 ? `lines ${mode.top + 1}-${mode.top + visible.length} of ${lines.length}` : '';
  const title = `diff ${s.name} (${shortId(s.uuid)}) ${s.branch ? `on ${s.branch} ` : ''}${where}${mode.truncated ? ' (cut at 4 MiB)' : ''}`;
  return (
    <Box flexDirection="column" width={width}>
      <Text bold wrap="truncate">
        {truncate(title, width)}
      </Text>
      {mode.error ? (
        <Text color="red" wrap="wrap">
          {mode.error}
        </Text>
      ) : mode.lines === undefined ? (
        <Text dimColor>computing the diff in the session's container…</Text>
      ) : lines.length === 0 || (lines.length === 1 && lines[0] === '') ? (
        <Text dimColor>no changes against the base</Text>
      ) : (
        visible.map((line, i) => {
          const kind = diffLineKind(line);
          return (
            <Text key={mode.top + i} color={COLOUR[kind]} bold={kind === 'file'} wrap="truncate">
              {truncate(line, width) || ' '}
            </Text>
          );
        })
      )}
    </Box>
  );
}
