// The cockpit page: login from the URL's token, the live list (pushed by the
// server), the `/` filter, the preview of the selected session, attach/watch
// in a terminal, and a notification when a session starts waiting or finishes.
import { render } from 'preact';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import type { Session } from '../../protocol/session.js';
import { activityCounts, changeKey, newsOfChange } from '../../shell/app/cockpit.js';
import { activitySummary, COLUMNS, sessionCells } from '../../shell/app/format.js';
import { matchesFilter } from '../../shell/app/view.js';
import { ACTIONS, busyLine, type ConfirmKind, type SessionAction } from '../../shell/app/actions.js';
import { fetchPeek, fetchSessions, login, openEvents, postAction, type ActivityPush, type Row } from './api.js';
import { ActionBar } from './action-bar.js';
import { ConfirmDialog, FormDialog, SettingsDialog, type FormRequest, type FormValues } from './dialogs.js';
import { TerminalView } from './terminal.js';

type Dialog =
  | { at: 'confirm'; kind: ConfirmKind; row: Row }
  | { at: 'form'; request: FormRequest; error?: { text: string; field?: string } }
  | { at: 'settings' };

type Phase = { at: 'loading' } | { at: 'login'; error?: string } | { at: 'list' } | { at: 'attach'; row: Row; readOnly: boolean };

/** Newest access first, as the TUI sorts. */
function sorted(rows: Row[]): Row[] {
  return [...rows].sort((a, b) => b.last_accessed.localeCompare(a.last_accessed));
}

function App() {
  const [phase, setPhase] = useState<Phase>({ at: 'loading' });
  const [rows, setRows] = useState<Row[]>([]);
  const rowsRef = useRef<Row[]>([]);
  rowsRef.current = rows;
  const [filter, setFilter] = useState('');
  const [selected, setSelected] = useState<string | undefined>();
  const [preview, setPreview] = useState('');
  const [note, setNote] = useState('');
  const [alerts, setAlerts] = useState(0);
  const [dialog, setDialog] = useState<Dialog | undefined>();
  // The last change seen of each session: news is told once per change, as the TUI rings once.
  const seen = useRef(new Map<string, string>());
  const noteRows = (list: Row[]) => {
    for (const r of list) if (!seen.current.has(r.uuid)) seen.current.set(r.uuid, changeKey(r as unknown as Session));
  };

  useEffect(() => {
    void (async () => {
      const token = /(?:^|[#&])token=([0-9a-f]{64})/.exec(location.hash)?.[1];
      if (token) {
        history.replaceState(null, '', location.pathname);
        const error = await login(token);
        if (error) return setPhase({ at: 'login', error });
      }
      const list = await fetchSessions();
      if (list === 'login') return setPhase({ at: 'login' });
      noteRows(list);
      setRows(sorted(list));
      setPhase({ at: 'list' });
    })().catch((err: unknown) => setPhase({ at: 'login', error: String(err) }));
  }, []);

  const live = phase.at === 'list' || phase.at === 'attach';
  useEffect(() => {
    if (!live) return;
    const es = openEvents(
      (list) => {
        noteRows(list);
        setRows(sorted(list));
      },
      (a: ActivityPush) => {
        const view = a as unknown as Session;
        // The row shows the change at once, as the TUI's does; the fresh list follows.
        setRows((list) => list.map((r) => (r.uuid === a.uuid && r.agent_id === a.agent_id ? { ...r, activity: a.activity, activity_since: a.activity_since, activity_detail: a.activity_detail } : r)));
        const news = newsOfChange(seen.current.get(a.uuid), view);
        seen.current.set(a.uuid, changeKey(view));
        if (!news) return;
        setAlerts((n) => n + 1);
        const name = rowsRef.current.find((r) => r.uuid === a.uuid)?.name ?? a.uuid.slice(0, 8);
        const title = news === 'waiting' ? `${name} is waiting` : `${name} finished its turn`;
        if ('Notification' in window && Notification.permission === 'granted') {
          new Notification(`convocate: ${title}`, { body: a.activity_detail, tag: `${a.uuid}:${a.activity_since}` });
        }
      },
    );
    return () => es.close();
  }, [live]);

  const visible = useMemo(() => rows.filter((r) => matchesFilter(r as unknown as Session, filter)), [rows, filter]);
  const counts = activitySummary(activityCounts(rows as unknown as Session[]));
  const current = visible.find((r) => r.uuid === selected);

  useEffect(() => {
    document.title = `${alerts > 0 ? `(${alerts}) ` : ''}${counts ? `${counts} – ` : ''}convocate`;
  }, [alerts, counts]);

  useEffect(() => {
    if (!current || phase.at !== 'list') return;
    let stop = false;
    const tick = () =>
      fetchPeek(current.uuid).then(
        (text) => !stop && setPreview(text),
        (err: unknown) => !stop && setPreview(`(${String((err as Error).message ?? err)})`),
      );
    void tick();
    const timer = setInterval(tick, 1000);
    return () => {
      stop = true;
      clearInterval(timer);
    };
  }, [current?.uuid, phase.at]);

  const agents = [...new Set(rows.map((r) => r.agent_id).filter((a): a is string => Boolean(a)))].sort();
  const asSession = (r: Row) => r as unknown as Session;

  /** Runs one session action on the server; the busy line, then its done message or its error. */
  const run = async (action: string, row: Row, body: Record<string, unknown> = {}, busy?: string) => {
    setNote(busy ?? `${row.name}…`);
    const answer = await postAction(`/api/sessions/${encodeURIComponent(row.uuid)}/${action}`, body);
    setNote(answer.error ? `error: ${answer.error}` : answer.message ?? '');
    return answer;
  };

  const onAction = (action: SessionAction, row: Row) => {
    if (action === 'attach' || action === 'watch') return setPhase({ at: 'attach', row, readOnly: action === 'watch' });
    if (action === 'edit' || action === 'clone') return setDialog({ at: 'form', request: { purpose: action, session: asSession(row), agents } });
    if (action === 'diff') return;
    setDialog({ at: 'confirm', kind: action, row });
  };

  const onConfirm = (kind: ConfirmKind, row: Row, yes: boolean, alternative?: boolean) => {
    setDialog(undefined);
    if (!yes) return;
    const alt = ACTIONS[kind].confirm?.alternative;
    void run(kind, row, alternative ? { fresh: true } : {}, alternative && alt ? alt.busy(row.name) : busyLine(kind, row.name));
  };

  const onForm = async (request: FormRequest, values: FormValues) => {
    const answer = request.session
      ? await run(request.purpose, request.session as unknown as Row, values)
      : await postAction('/api/sessions', values);
    if (answer.error) return setDialog({ at: 'form', request, error: { text: answer.error, field: answer.field } });
    setDialog(undefined);
    setNote(answer.message ?? '');
  };

  const dialogView = !dialog ? null : dialog.at === 'settings' ? (
    <SettingsDialog onClose={() => setDialog(undefined)} />
  ) : dialog.at === 'confirm' ? (
    <ConfirmDialog kind={dialog.kind} session={asSession(dialog.row)} onAnswer={(yes, alt) => onConfirm(dialog.kind, dialog.row, yes, alt)} />
  ) : (
    <FormDialog request={dialog.request} error={dialog.error} onCancel={() => setDialog(undefined)} onSubmit={(v) => void onForm(dialog.request, v)} />
  );

  if (phase.at === 'loading') return <p class="center">loading…</p>;
  if (phase.at === 'login') {
    return (
      <div class="center login">
        <h1>convocate</h1>
        <p>{phase.error ?? 'Not logged in.'}</p>
        <p>Open the login URL that <code>convocate web --print-url</code> prints on the shell host.</p>
      </div>
    );
  }
  if (phase.at === 'attach') {
    return (
      <TerminalView
        uuid={phase.row.uuid}
        name={phase.row.name}
        readOnly={phase.readOnly}
        onExit={(why) => {
          setNote(why === 'detached' ? `detached from ${phase.row.name}` : why);
          setPhase({ at: 'list' });
        }}
      />
    );
  }

  return (
    <div class="cockpit">
      <header>
        <strong>convocate</strong>
        <span class="counts" data-testid="counts">{counts || `${rows.length} sessions`}</span>
        {'Notification' in window && Notification.permission === 'default' ? (
          <button type="button" onClick={() => void Notification.requestPermission()}>Notify me</button>
        ) : null}
        {alerts > 0 ? <button type="button" onClick={() => setAlerts(0)}>{alerts} new</button> : null}
        <span class="spacer" />
        <button type="button" data-testid="new" onClick={() => setDialog({ at: 'form', request: { purpose: 'create', agents } })}>New</button>
        <button type="button" data-testid="open-settings" onClick={() => setDialog({ at: 'settings' })}>Settings</button>
      </header>
      <input class="filter" placeholder="/ filter by name, agent, DNS, activity" value={filter} onInput={(e) => setFilter((e.target as HTMLInputElement).value)} />
      {note ? <p class="note" data-testid="note">{note}</p> : null}
      <table class="sessions">
        <thead>
          <tr>{COLUMNS.map((c) => <th key={c}>{c}</th>)}</tr>
        </thead>
        <tbody>
          {visible.map((r) => {
            const cells = sessionCells(r as unknown as Session, false);
            return (
              <tr key={r.uuid} data-uuid={r.uuid} class={r.uuid === selected ? 'selected' : ''} onClick={() => setSelected(r.uuid)}>
                {cells.map((cell, i) => (
                  <td key={COLUMNS[i]} data-label={COLUMNS[i]} class={i === 6 ? `activity ${r.activity}` : `col-${COLUMNS[i]}`}>{cell}</td>
                ))}
              </tr>
            );
          })}
        </tbody>
      </table>
      {visible.length === 0 ? <p class="empty">{rows.length ? 'nothing matches the filter' : 'no sessions yet'}</p> : null}
      {current ? (
        <section class="preview">
          <div class="preview-bar">
            <span>{current.name}</span>
          </div>
          <ActionBar session={asSession(current)} onAction={(a) => onAction(a, current)} onRefused={(why) => setNote(why)} />
          <pre data-testid="preview">{preview}</pre>
        </section>
      ) : null}
      {dialogView}
    </div>
  );
}

render(<App />, document.getElementById('app')!);
