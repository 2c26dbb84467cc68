// The session list: a header and the rows that fit, the selected one
// highlighted; sessions of unreachable agents stay listed, greyed with `?`.
import { Box, Text } from 'ink';
import { memo, useMemo } from 'react';
import type { Session } from '../../protocol/session.js';
import type { Activity } from '../../protocol/session.js';
import { ACTIVITY_COLUMN, COLUMNS, fitColumns, formatRow, sessionCells, splitRow, windowStart } from '../app/format.js';

/** `waiting` stands out; the rest are quiet colours. */
const ACTIVITY_STYLE: Record<Activity, { color?: string; backgroundColor?: string; bold?: boolean; dimColor?: boolean }> = {
  waiting: { color: 'black', backgroundColor: 'yellow', bold: true },
  working: { color: 'green' },
  idle: { color: 'cyan' },
  starting: { color: 'blue' },
  exited: { color: 'magenta' },
  // Unstyled: every styled span costs Ink a tokenising pass on each frame, and most rows are these.
  unknown: {},
  none: {},
};

export interface SessionTableProps {
  sessions: readonly Session[];
  unreachable: readonly string[];
  selected?: string;
  loaded: boolean;
  width: number;
  /** Lines available, header included. */
  height: number;
}

// Memoised: the clock ticks every second, and the table must not be rebuilt for it.
export const SessionTable = memo(function SessionTable(props: SessionTableProps) {
  const { sessions, width, height, unreachable } = props;
  const isDown = (s: Session) => s.agent_id !== undefined && unreachable.includes(s.agent_id);
  // Cells and widths span every session (stable columns while scrolling) but only change with the list.
  const cells = useMemo(
    () => sessions.map((s) => sessionCells(s, s.agent_id !== undefined && unreachable.includes(s.agent_id))),
    [sessions, unreachable],
  );
  const widths = useMemo(() => fitColumns(cells, width), [cells, width]);
  const bodyHeight = Math.max(0, height - 1);
  const selectedIndex = sessions.findIndex((s) => s.uuid === props.selected);
  const start = windowStart(sessions.length, Math.max(selectedIndex, 0), bodyHeight);
  const visible = sessions.slice(start, start + bodyHeight);
  return (
    <Box flexDirection="column" height={height} overflowY="hidden">
      <Text bold wrap="truncate">
        {formatRow(COLUMNS, widths, width)}
      </Text>
      {sessions.length === 0 ? (
        <Text dimColor wrap="truncate">
          {props.loaded ? '  No sessions yet. Press N to create one.' : '  Loading sessions…'}
        </Text>
      ) : null}
      {visible.map((s, i) => {
        const selected = s.uuid === props.selected;
        const line = formatRow(cells[start + i]!, widths, width, selected);
        const style = isDown(s) ? {} : ACTIVITY_STYLE[s.activity];
        if (Object.keys(style).length === 0) {
          return (
            <Text key={s.uuid} inverse={selected} dimColor={isDown(s)} wrap="truncate">
              {line}
            </Text>
          );
        }
        const [before, activity, after] = splitRow(line, widths, ACTIVITY_COLUMN);
        return (
          <Text key={s.uuid} inverse={selected} wrap="truncate">
            {before}
            <Text {...style}>{activity}</Text>
            {after}
          </Text>
        );
      })}
    </Box>
  );
});
