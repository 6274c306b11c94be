import type { ConsoleIssuerConfig } from '../../config/gateway-config.js';
import { html, type Html } from './html.js';

export function signInBody(issuers: readonly ConsoleIssuerConfig[], returnTo: string): Html {
  if (issuers.length === 0) {
    return html`<p>
      No sign-in provider is configured. Add a <code>console.issuers</code> section to the gateway's
      configuration (see docs/operations.md, "Web console").
    </p>`;
  }
  const next = returnTo === '/console/approvals' ? '' : `?next=${encodeURIComponent(returnTo)}`;
  return html`<p>Sign in with your organisation's account to review approvals and sessions.</p>
    <ul class="sign-in">
      ${issuers.map((issuer, i) => html`<li><a class="button" href="/console/sign-in/${i}${next}">Sign in with ${issuer.name}</a></li>`)}
    </ul>`;
}

export function messageBody(message: string, link?: { href: string; label: string }): Html {
  return html`<p>${message}</p>
    ${link ? html`<p><a href="${link.href}">${link.label}</a></p>` : ''}`;
}
