// The bytes of a notification: the terminal bell, then OSC 9 (a desktop
// notification in iTerm2, kitty, WezTerm, Windows Terminal, …). The text is
// stripped of controls so that it can never end the sequence early.
const MAX_TEXT = 200;

export function notification(text: string): string {
  // eslint-disable-next-line no-control-regex
  const clean = text.replace(/[\x00-\x1f\x7f-\x9f]/g, ' ').slice(0, MAX_TEXT);
  return `\x07\x1b]9;convocate: ${clean}\x07`;
}

/** `--no-notify` or CONVOCATE_NO_NOTIFY=1 (any value but "" and "0") turns notifications off. */
export function notifyEnabled(flag: boolean | undefined, env: NodeJS.ProcessEnv): boolean {
  if (flag === false) return false;
  const v = env.CONVOCATE_NO_NOTIFY;
  return v === undefined || v === '' || v === '0';
}
