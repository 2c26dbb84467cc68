// A session's workspace as the engine sees it: what a start tells the
// container (where Claude works, what to clone, which conversation to resume)
// and how a diff is asked for and answered. The git work itself runs inside
// the container (image/clone.sh, image/diff.sh), never on the agent host.
import { stat } from 'node:fs/promises';
import { ConvocateError, quote } from '../../protocol/errors.js';
import { MAX_DIFF_BYTES, type DiffResult, type OpParams } from '../../protocol/ops.js';
import { WORKSPACE_DIR, type SessionMeta } from '../../protocol/session.js';
import { sanitisePaneText } from '../../protocol/sanitise.js';
import { sanitizeText } from '../../protocol/sanitise.js';
import { validateDiffBase } from '../../protocol/validation.js';
import { CONTAINER_HOME, CONTAINER_USER, type ContainerRuntime, type ExecResult } from '../runtime/container-runtime.js';
import { readConversationId } from '../sessions/workspace-files.js';

/** Exit codes of `convocate-diff`. */
const NO_REPOSITORY = 3;
const NO_COMMON_HISTORY = 4;

/** Where the session's Claude works: the workspace, or the home for sessions made before workspaces. */
export function workdir(meta: SessionMeta): string {
  return meta.workspace ? WORKSPACE_DIR : CONTAINER_HOME;
}

/** The container's workspace facts, read by its entrypoint; the conversation id is checked before it goes in. */
export async function workspaceEnv(meta: SessionMeta, home: string, opts: { fresh?: boolean }): Promise<string[]> {
  const env: string[] = [];
  if (meta.workspace) env.push(`CONVOCATE_WORKDIR=${WORKSPACE_DIR}`);
  if (meta.repo) env.push(`CONVOCATE_REPO=${meta.repo}`, `CONVOCATE_BRANCH=${meta.branch ?? ''}`);
  const conversation = opts.fresh ? undefined : await readConversationId(home);
  if (conversation) env.push(`CONVOCATE_RESUME=${conversation}`);
  if (conversation && meta.resume_fork) env.push('CONVOCATE_FORK=1');
  return env;
}

/** `diff` in the session's container when it runs, else in a throwaway one over its home, read-only. */
export async function workspaceDiff(
  runtime: ContainerRuntime,
  meta: SessionMeta,
  home: string,
  opts: { running: boolean; image: string; params: OpParams<'diff'> },
): Promise<DiffResult> {
  const cmd = diffCommand(opts.params);
  const env = [`CONVOCATE_WORKDIR=${workdir(meta)}`];
  const result = opts.running
    ? await runtime.exec(meta.uuid, cmd, { user: CONTAINER_USER, env, maxBytes: MAX_DIFF_BYTES })
    : await runtime.runOneOff({ image: opts.image, homeDir: home, user: await ownerOf(home), cmd, env, maxBytes: MAX_DIFF_BYTES });
  return diffResult(meta, result);
}

export function diffCommand(p: OpParams<'diff'>): string[] {
  const base = p.base ? validateDiffBase(p.base) : undefined;
  return ['convocate-diff', ...(p.stat ? ['--stat'] : []), ...(base ? [base] : [])];
}

/** The diff is the container's text: escape sequences go before any terminal sees it. */
export function diffResult(meta: SessionMeta, r: ExecResult): DiffResult {
  if (r.exitCode === NO_REPOSITORY) throw new ConvocateError('invalid_argument', `session ${quote(meta.name)} has no repository in its workspace`);
  if (r.exitCode === NO_COMMON_HISTORY) throw new ConvocateError('invalid_argument', `diff: ${sanitizeText(r.output.trim(), { max: 200 })}`);
  if (r.exitCode !== 0 && !r.truncated) {
    throw new ConvocateError('internal', `diff failed (exit ${r.exitCode}): ${sanitizeText(r.output.trim().split('\n').pop() ?? '', { max: 200 })}`);
  }
  return { text: sanitisePaneText(r.output), truncated: r.truncated ?? false };
}

/** `uid:gid` of the home: a throwaway container reads it as its owner. */
export async function ownerOf(home: string): Promise<string> {
  const info = await stat(home);
  return `${info.uid}:${info.gid}`;
}
