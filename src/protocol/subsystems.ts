// SSH subsystem names and well-known ports (SPEC §4). Public contract.
export const RPC_SUBSYSTEM = 'convocate-agent-rpc';
export const ATTACH_SUBSYSTEM = 'convocate-agent-attach';
export const STATUS_SUBSYSTEM = 'convocate-status';

export const AGENT_PORT = 222;
export const STATUS_PORT = 223;
