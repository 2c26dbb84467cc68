// What a session's hooks leave in its home for the agent: the conversation id
// Claude reported at SessionStart (resumed at the next start) and the
// workspace's change counts at the end of the last turn. Both are written by
// the container, so both are parsed strictly through the untrusted-file door.
import { join } from 'node:path';
import { NO_CHANGES, type ChangesView } from '../../protocol/session.js';
import { isUuid } from '../../protocol/validation.js';
import { readSmallRegularFile } from '../../lib/small-file.js';

export const CONVERSATION_FILE = '.convocate-conversation';
export const CHANGES_FILE = '.convocate-changes';
const MAX_BYTES = 128;
/** More than any repository has; a larger count is a lie. */
const MAX_COUNT = 1e9;

/** The conversation to resume, or undefined when none was recorded or the file is not a bare UUID. */
export async function readConversationId(home: string): Promise<string | undefined> {
  const text = (await readSmallText(join(home, CONVERSATION_FILE)))?.trim();
  return text && isUuid(text) ? text.toLowerCase() : undefined;
}

/** `files added removed` as the Stop hook wrote them; nulls when absent or malformed. */
export async function readChanges(home: string): Promise<ChangesView> {
  const text = await readSmallText(join(home, CHANGES_FILE));
  return parseChanges(text ?? '');
}

/** The file's text, or undefined when it is absent, not a regular file, too large or unreadable. */
async function readSmallText(path: string): Promise<string | undefined> {
  try {
    return (await readSmallRegularFile(path, MAX_BYTES)).bytes.toString('utf8');
  } catch {
    return undefined;
  }
}

export function parseChanges(text: string): ChangesView {
  const m = /^(\d{1,10}) (\d{1,10}) (\d{1,10})\n?$/.exec(text);
  if (!m) return NO_CHANGES;
  const [files, added, removed] = [m[1], m[2], m[3]].map(Number) as [number, number, number];
  if (files > MAX_COUNT || added > MAX_COUNT || removed > MAX_COUNT) return NO_CHANGES;
  return { changes_files: files, changes_added: added, changes_removed: removed };
}
