import type { DemoState } from './state';
import type { Ui } from './ui';

const STATUS_TEXT: Record<DemoState['connection'], string> = {
  'signed-out': 'signed out',
  connecting: 'connecting…',
  connected: 'connected',
  disconnected: 'reconnecting…',
  refused: 'token refused',
};

/** The top bar (token box or who is signed in, and the connection), the error banner, the welcome card. */
export function renderSession(state: DemoState, ui: Ui): void {
  const signedIn = state.me !== null;
  ui.tokenForm.hidden = signedIn;
  ui.session.hidden = !signedIn;
  ui.welcome.hidden = signedIn;
  ui.layout.hidden = !signedIn;
  ui.me.textContent = state.me ? `${state.me.name} (${state.me.id})` : '';
  ui.status.textContent = STATUS_TEXT[state.connection];
  ui.status.dataset.state = state.connection;
  ui.errorBanner.hidden = state.error === null;
  ui.errorText.textContent = state.error ?? '';
}
