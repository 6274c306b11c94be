import { PLAYER_CONTENT_SECURITY_POLICY } from '../auth/console-http.js';
import type { SessionTimeline } from '../session-timeline.js';
import { html, type Html } from '../views/html.js';

export const recordingCastPath = (sessionId: string): string =>
  `/console/sessions/${encodeURIComponent(sessionId)}/recording.cast`;

/**
 * The session detail page's "Terminal recording" section: the player for a
 * recorded terminal, else a note saying why there is none. The
 * detail page (and the cast) are only for the sessions pages' readers
 * (sessionReaderRoles in console-roles.ts), who may all play it. `policy` is the page's Content-Security-Policy when the
 * player is on it (it needs WebAssembly, see console-http.ts), else unset
 * (the console's default).
 */
export function recordingSection(
  sessionId: string,
  timeline: Pick<SessionTimeline, 'recorded'>,
): { body: Html; policy?: string } {
  const heading = html`<h2 id="recording-heading">Terminal recording</h2>`;
  if (!timeline.recorded) {
    return {
      body: html`<section class="recording" aria-labelledby="recording-heading">
        ${heading}
        <p class="empty recording-none">
          No recording: this session has no terminal recording. Only interactive SSH shells (with a pty) are
          recorded; a PostgreSQL session is recorded as its statements, below.
        </p>
      </section>`,
    };
  }
  const cast = recordingCastPath(sessionId);
  return {
    policy: PLAYER_CONTENT_SECURITY_POLICY,
    body: html`<section class="recording" aria-labelledby="recording-heading">
      ${heading}
      <link rel="stylesheet" href="/console/assets/asciinema-player.css" />
      <div
        class="recording-player"
        id="recording-player"
        data-cast="${cast}"
        role="region"
        aria-label="Terminal recording player"
      ></div>
      <p class="muted recording-help">
        What the terminal showed: keystrokes are not replayed, a typed line shows as the terminal echoed it.
        Each typed command line is a marker on the progress bar; in the player, space plays or pauses,
        <kbd>[</kbd> and <kbd>]</kbd> jump to the previous or next command.
        <a href="${cast}" download="session-${sessionId}.cast">Download the recording</a>
        (asciicast v2).
      </p>
      <script src="/console/assets/asciinema-player.js" defer></script>
      <script type="module" src="/console/assets/console-player.js"></script>
    </section>`,
  };
}
