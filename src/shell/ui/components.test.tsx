import { render } from 'ink-testing-library';
import { describe, expect, it } from 'vitest';
import { editForm, newForm } from '../app/form.js';
import { makeSession } from '../app/testing.js';
import { ConfirmDialog } from './ConfirmDialog.js';
import { ErrorDialog } from './ErrorDialog.js';
import { AgentPicker } from './AgentPicker.js';
import { MenuBar } from './MenuBar.js';
import { NoAgentsDialog } from './NoAgentsDialog.js';
import { SessionForm } from './SessionForm.js';
import { SessionTable } from './SessionTable.js';
import { SettingsDialog } from './SettingsDialog.js';
import { DiffView } from './DiffView.js';
import { MAIN_MENU } from '../app/actions.js';

const lines = (frame: string | undefined) => (frame ?? '').split('\n');

describe('SessionTable', () => {
  const running = makeSession({ name: 'web', state: 'R', running: true, port: 8080, dns_name: 'web.dev' });
  const offline = makeSession({ name: 'far', agent_id: 'a2' });

  it('shows every column, marks the selection and greys unreachable agents with ?', () => {
    const { lastFrame } = render(
      <SessionTable sessions={[running, offline]} unreachable={['a2']} selected={running.uuid} loaded width={100} height={10} />,
    );
    const [header, first, second] = lines(lastFrame());
    expect(header).toMatch(/S\s+UUID\s+NAME\s+AGENT\s+PORT\s+DNS\s+ACTIVITY\s+CPU\s+MEM\s+CHANGES\s+COST/);
    expect(first).toMatch(/^> R\s+\w{8}\s+web\s+a1\s+8080\/tcp\s+web\.dev/);
    expect(second).toMatch(/^ {2}\?\s+\w{8}\s+far\s+a2/);
  });

  it('never wraps: every line fits 80 columns even with long names', () => {
    const long = makeSession({ name: 'n'.repeat(64), dns_name: `${'d'.repeat(60)}.example`, port: 65535, protocol: 'udp' });
    const { lastFrame } = render(<SessionTable sessions={[long]} unreachable={[]} loaded width={79} height={5} />);
    const all = lines(lastFrame());
    // The box keeps its height; only the header and the one row have text.
    expect(all.filter((l) => l.trim() !== '')).toHaveLength(2);
    for (const l of all) expect(l.length).toBeLessThanOrEqual(79);
  });

  it('scrolls to keep the selection visible', () => {
    const many = Array.from({ length: 30 }, (_, i) => makeSession({ name: `row${i}` }));
    const { lastFrame } = render(<SessionTable sessions={many} unreachable={[]} selected={many[25]!.uuid} loaded width={79} height={6} />);
    expect(lastFrame()).toContain('> -');
    expect(lastFrame()).toContain('row25');
    expect(lines(lastFrame())).toHaveLength(6);
  });

  it('says how to begin when empty', () => {
    const { lastFrame } = render(<SessionTable sessions={[]} unreachable={[]} loaded width={79} height={5} />);
    expect(lastFrame()).toContain('No sessions yet. Press N to create one.');
  });
});

describe('MenuBar', () => {
  it('lists every key and wraps between items at 80 columns', () => {
    const { lastFrame } = render(<MenuBar items={MAIN_MENU} width={79} />);
    const text = lastFrame() ?? '';
    for (const k of ['Enter attach', 'N new', 'C clone', 'E edit', 'B bg', 'D delete', 'K kill', 'O override', 'R restart', 'S settings', 'Q quit']) {
      expect(text).toContain(k);
    }
    expect(lines(text)).toHaveLength(2);
  });
});

describe('SessionForm', () => {
  it('shows the four fields, the active one marked, and the error', () => {
    const form = { ...newForm('a1'), name: 'bad name', error: 'name may contain only letters, digits, "-" and "_"' };
    const { lastFrame } = render(<SessionForm form={form} width={60} />);
    const text = lastFrame() ?? '';
    expect(text).toContain('New session on agent a1');
    expect(text).toMatch(/> Name\s+bad name_/);
    expect(text).toMatch(/Protocol\s+\[tcp\]\s+udp/);
    expect(text).toContain('Port');
    expect(text).toContain('DNS Name');
    expect(text).toContain('name may contain only letters');
  });

  it('edit shows the session values', () => {
    const s = makeSession({ name: 'web', port: 8080, protocol: 'udp', dns_name: 'web.dev' });
    const { lastFrame } = render(<SessionForm form={editForm(s)} width={60} />);
    expect(lastFrame()).toContain('Edit web');
    expect(lastFrame()).toMatch(/tcp\s+\[udp\]/);
    expect(lastFrame()).toContain('8080');
    expect(lastFrame()).toContain('web.dev');
  });
});

describe('dialogs', () => {
  it('ConfirmDialog asks Y / N for each kind', () => {
    const s = makeSession({ name: 'web' });
    for (const kind of ['delete', 'kill', 'override', 'background', 'restart'] as const) {
      const { lastFrame } = render(<ConfirmDialog kind={kind} session={s} width={60} />);
      expect(lastFrame()).toContain('web');
      expect(lastFrame()).toMatch(kind === 'restart' ? /Y yes\s+F yes, with a fresh conversation\s+N\/Esc no/ : /Y yes\s+N\/Esc no/);
    }
  });

  it('ErrorDialog wraps long text instead of cutting it', () => {
    const message = `${'word '.repeat(40)}END`;
    const { lastFrame } = render(<ErrorDialog message={message} code="conflict" width={40} />);
    const text = lastFrame() ?? '';
    expect(text).toContain('Error (conflict)');
    expect(text).toContain('END');
    for (const l of lines(text)) expect(l.length).toBeLessThanOrEqual(40);
  });

  it('NoAgentsDialog gives both fixes', () => {
    const { lastFrame } = render(<NoAgentsDialog width={72} />);
    expect(lastFrame()).toContain('No agents registered');
    expect(lastFrame()).toContain('convocate-host init-agent');
    expect(lastFrame()).toMatch(/Docker/);
  });

  it('SettingsDialog shows version, build and each agent with reachability', () => {
    const { lastFrame } = render(
      <SettingsDialog
        version="1.2.3"
        build={{ node: 'v20.1.0', platform: 'linux/x64', commit: 'abc123def456', date: '2026-11-26T09:00:00Z' }}
        envNames={{
          a1: {
            names: ['ANTHROPIC_API_KEY', 'HTTPS_PROXY'],
            defaults: { cpus: null, memory_bytes: 4 * 1024 ** 3, pids_limit: 4096, egress: 'allow', egress_allow: ['10.0.0.0/8'] },
          },
          a2: { error: 'agent a2 is unreachable' },
        }}
        health={[
          { info: { id: 'a1', host: 'h1:222' }, reachable: true, version: '1.2.3', lastHeartbeat: new Date(0).toISOString() },
          { info: { id: 'a2', host: 'h2:222' }, reachable: false, error: 'timeout' },
        ]}
        unreachable={['a2']}
        broken={[{ agent_id: 'a1', uuid: 'u-broken', error: 'bad json' }]}
        now={30_000}
        width={72}
      />,
    );
    const text = lastFrame() ?? '';
    expect(text).toContain('convocate 1.2.3');
    expect(text).toContain('build abc123def456 2026-11-26T09:00:00Z');
    expect(text).toMatch(/node v20\.1\.0\s+linux\/x64/);
    expect(text).toMatch(/environment: ANTHROPIC_API_KEY HTTPS_PROXY/);
    expect(text).toMatch(/environment: unknown \(agent a2 is unreachable\)/);
    expect(text).toContain('session defaults: cpus no limit, memory 4.0 GiB');
    expect(text).toMatch(/egress\s*│\s*│\s*allow 10\.0\.0\.0\/8/);
    expect(text).toMatch(/a1\s+h1:222\s+v1\.2\.3\s+heartbeat 30s ago\s+reachable/);
    expect(text).toMatch(/a2\s+h2:222.*unreachable: timeout/);
    expect(text).toContain('u-broken');
  });

  it('AgentPicker marks the choice and unreachable agents', () => {
    const { lastFrame } = render(
      <AgentPicker agents={[{ id: 'a1', host: 'h1' }, { id: 'a2', host: 'h2' }]} unreachable={['a2']} index={1} width={60} />,
    );
    expect(lastFrame()).toMatch(/> a2\s+h2\s+\(unreachable\)/);
  });
});

describe('the diff view', () => {
  const session = makeSession({ name: 'app', branch: 'convocate/app', repo: 'https://example.com/app.git' });
  it('shows the lines from the scroll position, the range in the title, and never wraps', () => {
    const lines = ['diff --git a/a.txt b/a.txt', '@@ -1 +1 @@', '-old', '+new', `+${'x'.repeat(200)}`];
    const { lastFrame } = render(<DiffView mode={{ screen: 'diff', session, top: 1, lines }} width={60} height={10} />);
    const frame = lastFrame() ?? '';
    expect(frame).toMatch(/diff app \(\w{8}\) on convocate\/app lines 2-5 of 5/);
    expect(frame).not.toContain('diff --git');
    expect(frame).toContain('+new');
    expect(frame.split('\n').every((l) => l.length <= 60)).toBe(true);
  });
  it('says when it is loading, empty or failed', () => {
    expect(render(<DiffView mode={{ screen: 'diff', session, top: 0 }} width={60} height={10} />).lastFrame()).toMatch(/computing the diff/);
    expect(render(<DiffView mode={{ screen: 'diff', session, top: 0, lines: [''] }} width={60} height={10} />).lastFrame()).toMatch(/no changes/);
    expect(render(<DiffView mode={{ screen: 'diff', session, top: 0, error: 'agent a1 is unreachable' }} width={60} height={10} />).lastFrame()).toMatch(/unreachable/);
  });
});
