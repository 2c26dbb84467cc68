// Holds the AppState outside React so that it survives the Ink tree being
// unmounted for an attach. Intents go to one handler: the main loop.
import type { Intent } from './intents.js';
import { reduce } from './reducer.js';
import type { AppEvent } from './transition.js';
import type { AppState } from './state.js';

export class AppStore {
  private readonly listeners = new Set<() => void>();
  private intentHandler: (intent: Intent) => void = () => undefined;

  constructor(private state: AppState) {}

  getState = (): AppState => this.state;

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  onIntent(handler: (intent: Intent) => void): void {
    this.intentHandler = handler;
  }

  dispatch = (event: AppEvent): void => {
    const { state, intent } = reduce(this.state, event);
    if (state !== this.state) {
      this.state = state;
      for (const l of [...this.listeners]) l();
    }
    if (intent) this.intentHandler(intent);
  };
}
