// Where things go on screen for a terminal size: the body between the title and
// the menu, the filter line, and the preview beside or below the table when
// there is room. The UI draws from it; the preview poller asks it whether a
// preview is on screen at all (no room, no capture).
import { MAIN_MENU, type MenuItem } from './actions.js';
import { menuLines } from './format.js';

/** Side by side from this width: the table keeps its columns readable. */
export const SIDE_MIN_WIDTH = 150;
/** Stacked from this body height: the table keeps at least ten rows. */
export const BELOW_MIN_HEIGHT = 22;

export interface Area {
  width: number;
  height: number;
}

export interface Layout {
  /** The whole screen minus one spare column. */
  width: number;
  body: Area;
  table: Area;
  preview?: Area & { side: 'right' | 'below' };
}

export function screenLayout(cols: number, rows: number, opts: { menu?: readonly MenuItem[]; preview: boolean; filterLine: boolean }): Layout {
  // One column spare: a line that fills the last column makes some terminals wrap.
  const width = Math.max(10, cols - 1);
  const menuHeight = menuLines(opts.menu ?? MAIN_MENU, width).length;
  // Title, status line, menu, and one spare row: output as tall as the
  // terminal makes Ink clear the whole screen on every frame.
  const bodyHeight = Math.max(1, rows - 3 - menuHeight);
  const body = { width, height: bodyHeight };
  const below = bodyHeight - (opts.filterLine ? 1 : 0);
  const table = { width, height: below };
  if (!opts.preview) return { width, body, table };
  if (width >= SIDE_MIN_WIDTH) {
    const pw = Math.min(110, Math.floor(width * 0.45));
    return { width, body, table: { width: width - pw - 1, height: below }, preview: { side: 'right', width: pw, height: below } };
  }
  if (below >= BELOW_MIN_HEIGHT) {
    const ph = Math.floor(below / 2);
    return { width, body, table: { width, height: below - ph }, preview: { side: 'below', width, height: ph } };
  }
  return { width, body, table };
}
