// The highlighted session's screen, as last captured: the newest lines that
// fit, clipped to the pane (wide characters never split), or why there is
// nothing to show. The text was sanitised before it reached the state.
import { Box, Text } from 'ink';
import { memo } from 'react';
import { clipToWidth } from '../../protocol/pane-text.js';
import type { Session } from '../../protocol/session.js';
import type { Preview } from '../app/state.js';

export interface PreviewPaneProps {
  session?: Session;
  preview: Preview;
  unreachable: boolean;
  width: number;
  height: number;
}

export const PreviewPane = memo(function PreviewPane({ session, preview, unreachable, width, height }: PreviewPaneProps) {
  const inner = Math.max(1, width - 2);
  const rows = Math.max(0, height - 3);
  const title = session ? `${session.name} · preview (P hides)` : 'preview (P hides)';
  const { lines, note, warn } = content(session, preview, unreachable, rows);
  return (
    <Box borderStyle="single" borderColor="gray" flexDirection="column" width={width} height={height} overflowY="hidden">
      <Text bold dimColor wrap="truncate">
        {clipToWidth(title, inner)}
      </Text>
      {note !== undefined ? (
        <Text color={warn ? 'yellow' : undefined} dimColor={!warn} wrap="wrap">
          {note}
        </Text>
      ) : (
        lines.map((l, i) => (
          <Text key={i} wrap="truncate">
            {clipToWidth(l, inner) || ' '}
          </Text>
        ))
      )}
    </Box>
  );
});

function content(session: Session | undefined, p: Preview, unreachable: boolean, rows: number): { lines: string[]; note?: string; warn?: boolean } {
  if (!session) return { lines: [], note: 'no session selected' };
  if (unreachable) return { lines: [], note: `agent ${session.agent_id ?? ''} is unreachable`, warn: true };
  if (!session.running) return { lines: [], note: 'stopped: Enter starts it' };
  if (p.uuid !== session.uuid) return { lines: [], note: 'capturing…' };
  if (p.error !== undefined) return { lines: [], note: `cannot capture: ${p.error}`, warn: true };
  const all = (p.text ?? '').split('\n');
  while (all.length > 0 && all[all.length - 1]!.trim() === '') all.pop();
  return { lines: all.slice(-rows) };
}
