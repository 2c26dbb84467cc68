// The root of the Ink tree: reads the AppStore, lays the screen out for the
// terminal's size, and turns key presses into store events. No domain logic.
import { Box, useInput, type Key } from 'ink';
import { useCallback, useMemo, useSyncExternalStore } from 'react';
import { activityCounts } from '../app/cockpit.js';
import { totalCost, windowStart } from '../app/format.js';
import { screenLayout, type Layout } from '../app/layout.js';
import type { AppStore } from '../app/store.js';
import { isUnreachable, selectedSession, type AppState } from '../app/state.js';
import { AgentPicker } from './AgentPicker.js';
import { ConfirmDialog } from './ConfirmDialog.js';
import { dialogWidth } from './Dialog.js';
import { DiffView } from './DiffView.js';
import { ErrorDialog } from './ErrorDialog.js';
import { FilterLine } from './FilterLine.js';
import { toKeyPresses } from './keypress.js';
import { MenuBar } from './MenuBar.js';
import { menuFor } from './menus.js';
import { NoAgentsDialog } from './NoAgentsDialog.js';
import { PreviewPane } from './PreviewPane.js';
import { SessionForm } from './SessionForm.js';
import { SessionTable } from './SessionTable.js';
import { SettingsDialog } from './SettingsDialog.js';
import { StatusLine } from './StatusLine.js';
import { TitleBar } from './TitleBar.js';
import { useTerminalSize } from './useTerminalSize.js';

export function App({ store }: { store: AppStore }) {
  const state = useSyncExternalStore(store.subscribe, store.getState);
  const { cols, rows } = useTerminalSize();
  const onInput = useCallback(
    (input: string, key: Key) => {
      for (const press of toKeyPresses(input, key)) store.dispatch({ type: 'key', key: press });
    },
    [store],
  );
  useInput(onInput);

  const menu = menuFor(state.mode, state.filter?.editing);
  const layout = screenLayout(cols, rows, { menu, preview: state.preview.shown, filterLine: state.filter !== undefined });
  const width = layout.width;
  const busy = state.mode.screen === 'busy' ? state.mode.label : undefined;
  const counts = useMemo(() => activityCounts(state.sessions), [state.sessions]);
  const cost = useMemo(() => totalCost(state.sessions), [state.sessions]);

  return (
    <Box flexDirection="column" width={width}>
      <TitleBar
        width={width}
        activity={counts}
        waitingHidden={waitingOffScreen(state, layout.table.height - 1)}
        sessions={state.sessions.length}
        cost={cost}
        unreachableAgents={state.unreachable.length}
        broken={state.broken.length}
        load={state.load}
        now={state.now}
      />
      <Box height={layout.body.height} flexDirection="column" overflowY="hidden">
        <Body state={state} layout={layout} />
      </Box>
      <StatusLine busy={busy} message={state.message} width={width} />
      <MenuBar items={menu} width={width} />
    </Box>
  );
}

/** Waiting sessions the operator cannot see now: filtered out, or scrolled out of the table. */
function waitingOffScreen(state: AppState, rows: number): number {
  const total = state.sessions.filter((s) => s.activity === 'waiting').length;
  if (total === 0) return 0;
  const at = Math.max(0, state.visible.findIndex((s) => s.uuid === state.selected));
  const start = windowStart(state.visible.length, at, rows);
  const onScreen = state.visible.slice(start, start + Math.max(0, rows)).filter((s) => s.activity === 'waiting').length;
  return total - onScreen;
}

function Body({ state, layout }: { state: AppState; layout: Layout }) {
  const mode = state.mode;
  const dw = dialogWidth(layout.width);
  switch (mode.screen) {
    case 'list':
    case 'busy':
      return <ListScreen state={state} layout={layout} />;
    case 'form':
      return <SessionForm form={mode.form} width={dw} />;
    case 'confirm':
      return <ConfirmDialog kind={mode.kind} session={mode.session} width={dw} />;
    case 'agent-picker':
      return <AgentPicker agents={state.agents} unreachable={state.unreachable} index={mode.index} width={dw} />;
    case 'no-agents':
      return <NoAgentsDialog width={dw} />;
    case 'error':
      return <ErrorDialog message={mode.message} code={mode.code} width={dw} />;
    case 'diff':
      return <DiffView mode={mode} width={layout.width} height={layout.body.height} />;
    case 'settings':
      return (
        <SettingsDialog
          version={state.version}
          build={state.build}
          health={state.health}
          unreachable={state.unreachable}
          broken={state.broken}
          envNames={state.envNames}
          now={state.now}
          width={dialogWidth(layout.width, 100)}
        />
      );
  }
}

function ListScreen({ state, layout }: { state: AppState; layout: Layout }) {
  const selected = selectedSession(state);
  const { table, preview } = layout;
  const tableView = (
    <SessionTable
      sessions={state.visible}
      unreachable={state.unreachable}
      selected={state.selected}
      loaded={state.loaded}
      width={table.width}
      height={table.height}
    />
  );
  const pane = preview ? (
    <PreviewPane
      session={selected}
      preview={state.preview}
      unreachable={selected ? isUnreachable(state, selected) : false}
      width={preview.width}
      height={preview.height}
    />
  ) : null;
  return (
    <Box flexDirection="column">
      {state.filter ? <FilterLine filter={state.filter} shown={state.visible.length} total={state.sessions.length} width={layout.width} /> : null}
      {preview?.side === 'right' ? (
        <Box flexDirection="row" columnGap={1}>
          {tableView}
          {pane}
        </Box>
      ) : (
        <Box flexDirection="column">
          {tableView}
          {pane}
        </Box>
      )}
    </Box>
  );
}
