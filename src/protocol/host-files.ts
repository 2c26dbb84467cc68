// Where each role keeps its files on a host, and the ids provisioning shares
// with the code that reads them (SPEC §6): written once, imported by both.

/** An agent run as root (a provisioned host) keeps its config and sessions here. */
export const AGENT_CONFIG_DIR = '/etc/convocate-agent';
export const SESSIONS_DIR = '/home/convocate';
/** The shell's config (its agent registry, status-serve's keys) on a provisioned host. */
export const SHELL_CONFIG_DIR = '/etc/convocate';
export const SHELL_STATE_DIR = '/var/lib/convocate';

/** The session user inside every container and on the host (owner of the sessions' homes). */
export const SESSION_USER = { name: 'convocate', uid: 1337, home: SESSIONS_DIR } as const;
export const SESSION_UID = SESSION_USER.uid;

/** Admission caps and the sessions slice: percent of the host's cores and RAM sessions may have. */
export const DEFAULT_CAP_PERCENT = 90;

/** Files in the agent's config dir. */
export const AGENT_FILES = {
  agentId: 'agent-id',
  hostKey: 'host_key',
  authorizedKeys: 'authorized_keys',
  statusKey: 'agent_to_shell_ed25519_key',
  shellHostKeyPin: 'shell_host_key.pub',
  shellHost: 'shell-host',
  healthKey: 'health_ed25519_key',
} as const;

/** The shell's registry: `<shell-config>/agent-keys/<agent-id>/` holds these. */
export const REGISTRY_DIR = 'agent-keys';
export const REGISTRY_FILES = {
  agentHost: 'agent-host',
  shellKey: 'shell_to_agent_ed25519_key',
  hostKeyPin: 'host_key.pub',
  statusKeyPub: 'agent_to_shell_ed25519_key.pub',
} as const;

/** Files in the shell's config dir used by status-serve. */
export const SHELL_FILES = {
  statusHostKey: 'status_host_key',
  statusAuthorizedKeys: 'status_authorized_keys',
} as const;
