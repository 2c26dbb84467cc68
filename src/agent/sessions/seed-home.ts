// Seeds a session home so that Claude Code starts straight at its prompt
// (SPEC §3): onboarding done, /home/convocate and its workspace trusted, the session env's
// ANTHROPIC_API_KEY approved. The home is the container's to write, so the
// file is read as untrusted (no links, regular file, size cap) and anything
// the operator changed later is kept: an existing file only ever gains the
// approval of a key it has neither approved nor rejected.
import { lchown, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../../lib/atomic-write.js';
import { readSmallRegularFile } from '../../lib/small-file.js';
import { CONTAINER_HOME } from '../runtime/container-runtime.js';
import { WORKSPACE_DIR } from '../../protocol/session.js';

export const CLAUDE_STATE_FILE = '.claude.json';
const MAX_BYTES = 4 * 1024 * 1024;

/** Claude Code remembers an approved key by its last 20 characters. */
export function keySuffix(apiKey: string): string {
  return apiKey.slice(-20);
}

export function freshClaudeState(apiKey: string | undefined): Record<string, unknown> {
  return {
    hasCompletedOnboarding: true,
    projects: { [CONTAINER_HOME]: { hasTrustDialogAccepted: true }, [WORKSPACE_DIR]: { hasTrustDialogAccepted: true } },
    customApiKeyResponses: { approved: apiKey ? [keySuffix(apiKey)] : [], rejected: [] },
  };
}

/** Returns the state with the key approved, or undefined when nothing needs to change. */
export function withKeyApproved(state: Record<string, unknown>, apiKey: string): Record<string, unknown> | undefined {
  const suffix = keySuffix(apiKey);
  const raw = state.customApiKeyResponses;
  const responses = raw && typeof raw === 'object' && !Array.isArray(raw) ? (raw as Record<string, unknown>) : {};
  const approved = Array.isArray(responses.approved) ? responses.approved : [];
  const rejected = Array.isArray(responses.rejected) ? responses.rejected : [];
  if (approved.includes(suffix) || rejected.includes(suffix)) return undefined;
  return { ...state, customApiKeyResponses: { ...responses, approved: [...approved, suffix], rejected } };
}

export async function seedClaudeHome(home: string, apiKey: string | undefined): Promise<void> {
  const path = join(home, CLAUDE_STATE_FILE);
  const current = await readExisting(path);
  if (current === 'unusable') return;
  const next = current === undefined ? freshClaudeState(apiKey) : apiKey ? withKeyApproved(current, apiKey) : undefined;
  if (!next) return;
  await writeFileAtomic(path, `${JSON.stringify(next, null, 2)}\n`, 0o600);
  // The container user must own it; as root the agent would otherwise leave it root's.
  const owner = await stat(home);
  if (process.getuid?.() === 0) await lchown(path, owner.uid, owner.gid);
}

/** undefined: absent; 'unusable': something the operator or container made that is not ours to rewrite. */
async function readExisting(path: string): Promise<Record<string, unknown> | undefined | 'unusable'> {
  let text: string;
  try {
    text = (await readSmallRegularFile(path, MAX_BYTES)).bytes.toString('utf8');
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ENOENT' ? undefined : 'unusable';
  }
  try {
    const parsed: unknown = JSON.parse(text);
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : 'unusable';
  } catch {
    return 'unusable';
  }
}
