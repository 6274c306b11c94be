import type { ConsoleFeatures } from '../console-features.js';
import type { ConsoleFlash, ConsoleSession } from '../auth/console-user.js';
import { html, type Html } from './html.js';

export type ConsolePage = 'approvals' | 'sessions' | 'compliance' | 'sign-in' | 'error';

export interface LayoutOptions {
  readonly title: string;
  readonly page: ConsolePage;
  readonly session: ConsoleSession | undefined;
  readonly features: ConsoleFeatures;
  readonly body: Html;
  readonly flash?: ConsoleFlash | undefined;
}

/** Every console page: one stylesheet and one script, both from /console/assets; nothing inline. */
export function layout(options: LayoutOptions): Html {
  const { session, page } = options;
  const link = (to: ConsolePage, href: string, label: string) =>
    html`<li><a href="${href}" ${page === to ? html` aria-current="page"` : ''}>${label}</a></li>`;
  const nav = session
    ? html`<nav aria-label="Console">
          <ul>
            ${link('approvals', '/console/approvals', 'Approvals')}
            ${
              // The same roles the sessions routes require (console-roles.ts), as read at sign-in.
              session.user.auditor || session.user.admin
                ? link('sessions', '/console/sessions', 'Sessions')
                : ''
            }
            ${
              options.features.compliance && (session.user.auditor || session.user.admin)
                ? link('compliance', '/console/compliance', 'Compliance')
                : ''
            }
          </ul>
        </nav>
        <div class="who">
          <span
            >Signed in as <strong>${session.user.name}</strong>${session.user.admin ? ' (admin)' : ''}</span
          >
          <form method="post" action="/console/sign-out">
            <input type="hidden" name="csrf" value="${session.csrfToken}" />
            <button type="submit">Sign out</button>
          </form>
        </div>`
    : '';
  const flash = options.flash
    ? html`<div
        class="flash flash-${options.flash.kind}"
        role="${options.flash.kind === 'refused' ? 'alert' : 'status'}"
      >
        ${options.flash.text}
      </div>`
    : '';
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="color-scheme" content="light dark" />
        <title>${options.title} · Portcullis</title>
        <link rel="stylesheet" href="/console/assets/console.css" />
        <script type="module" src="/console/assets/console.js"></script>
      </head>
      <body data-page="${page}">
        <a class="skip-link" href="#main">Skip to content</a>
        <header class="top">
          <span class="brand">Portcullis</span>
          ${nav}
        </header>
        <main id="main" tabindex="-1">
          <h1>${options.title}</h1>
          ${flash} ${options.body}
        </main>
        <div id="live-region" class="visually-hidden" aria-live="polite"></div>
      </body>
    </html> `;
}
