// The selected session's actions, named and ordered as the TUI's menu; one that
// does not apply says why (the action table's own reason) instead of running.
import type { Session } from '../../protocol/session.js';
import { ACTIONS, type SessionAction } from '../../shell/app/actions.js';

const SHOWN: SessionAction[] = ['attach', 'watch', 'clone', 'edit', 'background', 'delete', 'kill', 'override', 'restart'];

export function ActionBar(props: { session: Session; onAction: (action: SessionAction) => void; onRefused: (why: string) => void }) {
  return (
    <div class="actions" data-testid="actions">
      {SHOWN.map((a) => {
        const why = ACTIONS[a].whyNot(props.session);
        const label = ACTIONS[a].menuLabel;
        return (
          <button
            type="button"
            key={a}
            data-action={a}
            class={`${why ? 'off' : ''}${ACTIONS[a].confirm?.danger ? ' danger' : ''}`}
            title={why ?? `${ACTIONS[a].key} ${label}`}
            onClick={() => (why ? props.onRefused(why) : props.onAction(a))}
          >
            {label}
          </button>
        );
      })}
    </div>
  );
}
