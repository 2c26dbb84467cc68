// Tests that type shell commands into sessions run a login shell instead of
// Claude: they pass the session command through the session env, the way an
// operator would (`convocate env set CONVOCATE_SESSION_COMMAND`).
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SESSION_ENV_FILE } from '../../src/agent/config/session-env.js';

export const SHELL_SESSION_COMMAND = 'bash -l';
export const SHELL_SESSION_ENV = `CONVOCATE_SESSION_COMMAND=${SHELL_SESSION_COMMAND}`;
/** The session shell's prompt: new sessions start in their workspace, ~/work. */
export const SHELL_PROMPT = /convocate@convocate-[0-9a-f]{8}:~\/work\$ *$/m;

/** Pre-seed an agent config dir's session.env so that its sessions run a shell. */
export async function useShellSessions(agentConfigDir: string): Promise<void> {
  await mkdir(agentConfigDir, { recursive: true });
  await writeFile(join(agentConfigDir, SESSION_ENV_FILE), `${SHELL_SESSION_ENV}\n`, { mode: 0o600 });
}
