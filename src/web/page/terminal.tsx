// The attach view: xterm.js over the attach WebSocket, sized to fill its box
// and following every resize; Ctrl-B D (tmux) or Detach (closes the socket) returns to the list.
// On a phone a row of keys supplies what its keyboard lacks.
import { FitAddon } from '@xterm/addon-fit';
import { Terminal } from '@xterm/xterm';
import { useEffect, useRef, useState } from 'preact/hooks';

const PHONE_KEYS: Array<[string, string]> = [
  ['Esc', '\x1b'], ['Tab', '\t'], ['↑', '\x1b[A'], ['↓', '\x1b[B'], ['←', '\x1b[D'], ['→', '\x1b[C'], ['Enter', '\r'],
];

export function TerminalView(props: { uuid: string; name: string; readOnly: boolean; onExit: (why: string) => void }) {
  const box = useRef<HTMLDivElement>(null);
  const sendRef = useRef<(data: string) => void>(() => undefined);
  const detachRef = useRef<() => void>(() => undefined);
  const [ctrl, setCtrl] = useState(false);
  const ctrlRef = useRef(false);
  ctrlRef.current = ctrl;

  useEffect(() => {
    const term = new Terminal({ cursorBlink: true, fontSize: 14, scrollback: 2000, theme: { background: '#111111' } });
    const fit = new FitAddon();
    term.loadAddon(fit);
    term.open(box.current!);
    fit.fit();
    const proto = location.protocol === 'https:' ? 'wss' : 'ws';
    const ws = new WebSocket(`${proto}://${location.host}/api/attach?id=${encodeURIComponent(props.uuid)}${props.readOnly ? '&read_only=1' : ''}`);
    ws.binaryType = 'arraybuffer';
    const enc = new TextEncoder();
    let error = '';
    const sendSize = () => {
      box.current?.setAttribute('data-size', `${term.cols}x${term.rows}`);
      if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify({ resize: [term.cols, term.rows] }));
    };
    const send = (data: string) => {
      if (ws.readyState !== WebSocket.OPEN) return;
      let out = data;
      if (ctrlRef.current && data.length === 1) {
        out = String.fromCharCode(data.toUpperCase().charCodeAt(0) & 0x1f);
        setCtrl(false);
      }
      ws.send(enc.encode(out));
    };
    sendRef.current = send;
    // Closing the socket ends the relay: the agent detaches, the container runs on.
    detachRef.current = () => {
      ws.onclose = null;
      ws.close();
      props.onExit('detached');
    };
    ws.onopen = () => sendSize();
    ws.onmessage = (e) => {
      if (typeof e.data === 'string') error = (JSON.parse(e.data) as { error?: string }).error ?? '';
      else term.write(new Uint8Array(e.data as ArrayBuffer));
    };
    ws.onclose = () => props.onExit(error || 'detached');
    const input = term.onData(send);
    const resized = term.onResize(sendSize);
    const observer = new ResizeObserver(() => fit.fit());
    observer.observe(box.current!);
    term.focus();
    return () => {
      observer.disconnect();
      input.dispose();
      resized.dispose();
      ws.onclose = null;
      ws.close();
      term.dispose();
    };
  }, [props.uuid, props.readOnly]);

  return (
    <div class="attach">
      <div class="attach-bar">
        <span class="attach-name">{props.readOnly ? 'watching' : 'attached'}: {props.name}</span>
        <button type="button" onClick={() => detachRef.current()}>Detach</button>
      </div>
      <div class="term" ref={box} data-testid="terminal" />
      <div class="phone-keys">
        <button type="button" class={ctrl ? 'on' : ''} onClick={() => setCtrl(!ctrl)}>Ctrl</button>
        {PHONE_KEYS.map(([label, seq]) => (
          <button type="button" key={label} onClick={() => sendRef.current(seq)}>{label}</button>
        ))}
      </div>
    </div>
  );
}
