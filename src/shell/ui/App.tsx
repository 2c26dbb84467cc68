// The root of the Ink tree: reads the AppStore, lays the screen out for the
// terminal's size, and turns key presses into store events. No domain logic.
import { Box, useInput, type Key } from 'ink';
import { useCallback, useSyncExternalStore } from 'react';
import { menuLines } from '../app/format.js';
import type { AppStore } from '../app/store.js';
import type { AppState } from '../app/state.js';
import { AgentPicker } from './AgentPicker.js';
import { ConfirmDialog } from './ConfirmDialog.js';
import { dialogWidth } from './Dialog.js';
import { ErrorDialog } from './ErrorDialog.js';
import { toKeyPresses } from './keypress.js';
import { MenuBar } from './MenuBar.js';
import { menuFor } from './menus.js';
import { NoAgentsDialog } from './NoAgentsDialog.js';
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

  // One column spare: a line that fills the last column makes some terminals wrap.
  const width = Math.max(10, cols - 1);
  const menu = menuFor(state.mode);
  const menuHeight = menuLines(menu, width).length;
  // Title, status line, menu, and one spare row: output as tall as the
  // terminal makes Ink clear the whole screen on every frame.
  const bodyHeight = Math.max(1, rows - 3 - menuHeight);
  const busy = state.mode.screen === 'busy' ? state.mode.label : undefined;

  return (
    <Box flexDirection="column" width={width}>
      <TitleBar
        width={width}
        sessions={state.sessions.length}
        unreachableAgents={state.unreachable.length}
        broken={state.broken.length}
        load={state.load}
        now={state.now}
      />
      <Box height={bodyHeight} flexDirection="column" overflow="hidden">
        <Body state={state} width={width} height={bodyHeight} />
      </Box>
      <StatusLine busy={busy} message={state.message} width={width} />
      <MenuBar items={menu} width={width} />
    </Box>
  );
}

function Body({ state, width, height }: { state: AppState; width: number; height: number }) {
  const mode = state.mode;
  const dw = dialogWidth(width);
  switch (mode.screen) {
    case 'list':
    case 'busy':
      return (
        <SessionTable
          sessions={state.sessions}
          unreachable={state.unreachable}
          selected={state.selected}
          loaded={state.loaded}
          width={width}
          height={height}
        />
      );
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
    case 'settings':
      return (
        <SettingsDialog
          version={state.version}
          build={state.build}
          health={state.health}
          unreachable={state.unreachable}
          broken={state.broken}
          now={state.now}
          width={dw}
        />
      );
  }
}
