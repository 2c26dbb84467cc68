// Asks `Y` / `N` before an action that stops, detaches or destroys something.
import { Box, Text } from 'ink';
import type { Session } from '../../protocol/session.js';
import { confirmation, who, type ConfirmKind } from '../app/actions.js';
import { Dialog } from './Dialog.js';

export function confirmQuestion(kind: ConfirmKind, s: Session): { title: string; detail: string } {
  const c = confirmation(kind);
  return { title: c.title(who(s)), detail: c.detail };
}

export function ConfirmDialog({ kind, session, width }: { kind: ConfirmKind; session: Session; width: number }) {
  const c = confirmation(kind);
  const alt = c.alternative;
  return (
    <Dialog title={c.title(who(session))} width={width} color={c.danger ? 'red' : 'yellow'}>
      <Text wrap="wrap">{c.detail}</Text>
      <Box marginTop={1}>
        <Text>
          <Text bold>Y</Text> yes   {alt ? <><Text bold>{alt.letter.toUpperCase()}</Text> {alt.label}   </> : null}
          <Text bold>N</Text>/<Text bold>Esc</Text> no
        </Text>
      </Box>
    </Dialog>
  );
}
