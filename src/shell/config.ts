// Shell paths (SPEC §6): flag > environment > default. As a non-root user the
// defaults move under the user's home so that nothing needs root.
import { SHELL_CONFIG_DIR } from '../protocol/host-files.js';
import { homedir } from 'node:os';
import { join } from 'node:path';

export interface ShellConfig {
  /** agent-keys/, status host key, status_authorized_keys */
  configDir: string;
  /** dnsmasq-hosts, status.sock */
  stateDir: string;
}

export function resolveShellConfig(
  flags: Partial<ShellConfig> = {},
  env: NodeJS.ProcessEnv = process.env,
  isRoot = process.getuid?.() === 0,
): ShellConfig {
  const home = env.HOME || homedir();
  return {
    configDir: flags.configDir || env.CONVOCATE_CONFIG_DIR || (isRoot ? SHELL_CONFIG_DIR : join(home, '.config', 'convocate')),
    stateDir: flags.stateDir || env.CONVOCATE_STATE_DIR || (isRoot ? '/var/lib/convocate' : join(home, '.local', 'state', 'convocate')),
  };
}
