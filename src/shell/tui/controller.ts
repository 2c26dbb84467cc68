// Carries out what the operator chose: each intent becomes one call on the
// owning agent's client, then the list reloads. Terminal work (attach, quit)
// is delegated to the hooks that run.ts provides.
import { ConvocateError } from '../../protocol/errors.js';
import type { Session } from '../../protocol/session.js';
import { doneMessage, who } from '../app/actions.js';
import type { Intent } from '../app/intents.js';
import type { AppStore } from '../app/store.js';
import type { AgentDirectory } from '../client/agent-directory.js';
import { transferSession } from '../client/ssh-transfer.js';
import { loadEnvNames } from '../client/env-names.js';

export interface ControllerHooks {
  /** Hands the terminal to the session and resolves when the operator is back. */
  attach(session: Session, opts?: { readOnly?: boolean }): Promise<void>;
  quit(): void;
  /** Bell and desktop notification (OSC 9). */
  notify?(text: string): void;
}

export class TuiController {
  private inflight?: Promise<void>;
  private again = false;

  constructor(
    private readonly store: AppStore,
    private readonly directory: AgentDirectory,
    private readonly hooks: ControllerHooks,
  ) {
    store.onIntent((intent) => void this.handle(intent));
  }

  async handle(intent: Intent): Promise<void> {
    if (intent.kind === 'quit') {
      this.hooks.quit();
      return;
    }
    if (intent.kind === 'notify') {
      this.hooks.notify?.(intent.text);
      return;
    }
    if (intent.kind === 'load-env') {
      this.store.dispatch({ type: 'env-names', names: await loadEnvNames(this.directory) });
      return;
    }
    if (intent.kind === 'load-diff') {
      const uuid = intent.session.uuid;
      try {
        const d = await this.clientOf(intent.session).call('diff', { id: uuid });
        this.store.dispatch({ type: 'diff', uuid, text: d.text, truncated: d.truncated });
      } catch (err) {
        this.store.dispatch({ type: 'diff', uuid, error: err instanceof Error ? err.message : String(err) });
      }
      return;
    }
    try {
      const outcome = await this.perform(intent);
      this.store.dispatch({ type: 'done', ...outcome });
    } catch (err) {
      const code = err instanceof ConvocateError ? err.code : undefined;
      this.store.dispatch({ type: 'failed', message: err instanceof Error ? err.message : String(err), code });
    }
    await this.reload();
  }

  /** Reloads every agent's sessions; calls that arrive meanwhile fold into one more pass. */
  reload(): Promise<void> {
    if (this.inflight) {
      this.again = true;
      return this.inflight;
    }
    this.inflight = (async () => {
      do {
        this.again = false;
        await this.loadOnce();
      } while (this.again);
    })().finally(() => {
      this.inflight = undefined;
    });
    return this.inflight;
  }

  private async loadOnce(): Promise<void> {
    try {
      const list = await this.directory.listAll();
      this.store.dispatch({ type: 'loaded', list, agents: this.directory.agents(), health: this.directory.health() });
    } catch (err) {
      // A reload runs every 15 s; a dialog each time would lock the operator out.
      this.store.dispatch({ type: 'notice', message: `reload failed: ${err instanceof Error ? err.message : String(err)}` });
    }
  }

  private async perform(intent: Exclude<Intent, { kind: 'quit' | 'notify' | 'load-env' | 'load-diff' }>): Promise<{ message?: string; select?: string }> {
    switch (intent.kind) {
      case 'attach':
        await this.hooks.attach(intent.session, { readOnly: intent.readOnly });
        return {};
      case 'create': {
        const s = await this.directory.client(intent.agentId).call('create', { ...intent.fields });
        return { message: `created ${label(s)}`, select: s.uuid };
      }
      case 'edit': {
        const s = await this.clientOf(intent.session).call('edit', { id: intent.session.uuid, ...intent.fields });
        const note = s.running ? '; the running container keeps its old flags until K kill and R restart' : '';
        return { message: `saved ${label(s)}${note}` };
      }
      case 'clone': {
        if (intent.to) {
          const copy = await transferSession(this.clientOf(intent.session), this.directory.client(intent.to), intent.session.uuid, { name: intent.name, move: false });
          return { message: `cloned ${intent.session.name} as ${label(copy)} on agent ${intent.to}`, select: copy.uuid };
        }
        const s = await this.clientOf(intent.session).call('clone', { source_id: intent.session.uuid, name: intent.name });
        return { message: `cloned ${intent.session.name} as ${label(s)}`, select: s.uuid };
      }
      case 'delete':
        await this.clientOf(intent.session).call('delete', { id: intent.session.uuid });
        return { message: doneMessage('delete', intent.session) };
      case 'kill':
        await this.clientOf(intent.session).call('kill', { id: intent.session.uuid });
        return { message: doneMessage('kill', intent.session) };
      case 'background':
        await this.clientOf(intent.session).call('background', { id: intent.session.uuid });
        return { message: doneMessage('background', intent.session) };
      case 'restart':
        await this.clientOf(intent.session).call('restart', { id: intent.session.uuid, fresh: intent.fresh });
        return { message: doneMessage('restart', intent.session, intent.fresh) };
      case 'override':
        await this.clientOf(intent.session).call('override', { id: intent.session.uuid });
        return { message: doneMessage('override', intent.session) };
    }
  }

  private clientOf(session: Session) {
    if (!session.agent_id) throw new ConvocateError('internal', `session ${label(session)} has no agent`);
    return this.directory.client(session.agent_id);
  }
}

function label(s: Session): string {
  return who(s);
}
