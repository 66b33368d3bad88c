import { render } from 'preact';
import { APP_CONFIG_FILE, type AppConfig } from '../shared/app-config';
import { App } from './shell/App';
import './main.css';

/** The stack's settings come beside the page (`config.json`), so one bundle serves any stack. */
async function start(root: HTMLElement): Promise<void> {
  try {
    const response = await fetch(new URL(APP_CONFIG_FILE, document.baseURI), { cache: 'no-store' });
    if (!response.ok) throw new Error(`${APP_CONFIG_FILE} answered ${response.status}`);
    const config = (await response.json()) as AppConfig;
    render(<App config={config} />, root);
  } catch (error) {
    render(
      <main class="centered">
        <div role="alert" class="notice notice-error">
          <strong>The app cannot start</strong>
          <p>{error instanceof Error ? error.message : String(error)}</p>
        </div>
      </main>,
      root,
    );
  }
}

const root = document.getElementById('root');
if (root) void start(root);
