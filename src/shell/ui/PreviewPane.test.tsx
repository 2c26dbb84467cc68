import { render } from 'ink-testing-library';
import { describe, expect, it } from 'vitest';
import { makeSession } from '../app/testing.js';
import { PreviewPane } from './PreviewPane.js';

const live = makeSession({ name: 'web', running: true, state: 'R' });

describe('PreviewPane', () => {
  it('shows the newest lines that fit, clipped without splitting wide characters', () => {
    const text = ['old line', ...Array.from({ length: 10 }, (_, i) => `line ${i}`), '日本語日本語日本語'].join('\n');
    const { lastFrame } = render(<PreviewPane session={live} preview={{ shown: true, uuid: live.uuid, text }} unreachable={false} width={14} height={8} />);
    const frame = lastFrame() ?? '';
    expect(frame).toContain('web · previe');
    expect(frame).toContain('日本語日本語');
    expect(frame).not.toContain('日本語日本語日');
    expect(frame).not.toContain('old line');
    expect(frame).toContain('line 9');
  });

  it('says why there is nothing: a failed capture, a stopped session, an unreachable agent, still capturing', () => {
    const failed = render(<PreviewPane session={live} preview={{ shown: true, uuid: live.uuid, error: 'tmux: no server' }} unreachable={false} width={40} height={6} />);
    expect(failed.lastFrame()).toContain('cannot capture: tmux: no server');
    const stopped = render(<PreviewPane session={makeSession({ name: 'off' })} preview={{ shown: true }} unreachable={false} width={40} height={6} />);
    expect(stopped.lastFrame()).toContain('stopped: Enter starts it');
    const down = render(<PreviewPane session={live} preview={{ shown: true }} unreachable width={40} height={6} />);
    expect(down.lastFrame()).toContain('agent a1 is unreachable');
    const other = render(<PreviewPane session={live} preview={{ shown: true, uuid: 'someone-else', text: 'stale' }} unreachable={false} width={40} height={6} />);
    expect(other.lastFrame()).toContain('capturing…');
    expect(other.lastFrame()).not.toContain('stale');
  });
});
