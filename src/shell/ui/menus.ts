// Which keys the bottom bar offers on each screen.
import { confirmMenu, MAIN_MENU, type MenuItem } from '../app/actions.js';
import type { Mode } from '../app/state.js';

const item = (key: string, label: string): MenuItem => ({ key, label });

export function menuFor(mode: Mode, filterEditing = false): MenuItem[] {
  switch (mode.screen) {
    case 'list':
      if (filterEditing) return [item('type', 'to narrow'), item('Enter', 'keep filter'), item('Esc', 'clear'), item('Up/Down', 'move')];
      return MAIN_MENU;
    case 'busy':
      return MAIN_MENU;
    case 'form':
      return [item('Tab', 'next'), item('Shift-Tab', 'previous'), item('Enter', 'submit'), item('Esc', 'cancel')];
    case 'confirm':
      return confirmMenu(mode.kind);
    case 'diff':
      return [item('j/k', 'scroll'), item('PgUp/PgDn', 'page'), item('g/G', 'top/end'), item('q', 'back')];
    case 'agent-picker':
      return [item('Up/Down', 'choose'), item('Enter', 'pick'), item('Esc', 'cancel')];
    case 'error':
    case 'settings':
    case 'no-agents':
      return [item('Enter', 'close'), item('Esc', 'close')];
  }
}
