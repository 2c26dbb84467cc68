// Asks `Y` / `N` before an action that stops, detaches or destroys something.
import { Box, Text } from 'ink';
import { shortId, type Session } from '../../protocol/session.js';
import type { ConfirmKind } from '../app/intents.js';
import { Dialog } from './Dialog.js';

export function confirmQuestion(kind: ConfirmKind, s: Session): { title: string; detail: string } {
  const who = `${s.name} (${shortId(s.uuid)})`;
  switch (kind) {
    case 'delete':
      return { title: `Delete ${who}?`, detail: 'Removes its container, its files and its DNS name for good.' };
    case 'kill':
      return { title: `Kill ${who}?`, detail: 'Stops the container (SIGTERM, SIGKILL after 10 s); its files stay.' };
    case 'override':
      return { title: `Override the lock of ${who}?`, detail: 'Removes the lock file only; use it when the lock is stale.' };
    case 'background':
      return { title: `Background ${who}?`, detail: 'Detaches everyone attached; the container keeps running.' };
    case 'restart':
      return { title: `Restart ${who}?`, detail: "Starts its container in the background; Claude resumes the session's conversation." };
  }
}

export function ConfirmDialog({ kind, session, width }: { kind: ConfirmKind; session: Session; width: number }) {
  const q = confirmQuestion(kind, session);
  return (
    <Dialog title={q.title} width={width} color={kind === 'delete' ? 'red' : 'yellow'}>
      <Text wrap="wrap">{q.detail}</Text>
      <Box marginTop={1}>
        <Text>
          <Text bold>Y</Text> yes   {kind === 'restart' ? <><Text bold>F</Text> yes, with a fresh conversation   </> : null}
          <Text bold>N</Text>/<Text bold>Esc</Text> no
        </Text>
      </Box>
    </Dialog>
  );
}
