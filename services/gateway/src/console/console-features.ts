/**
 * Console views that wait for APIs still being built elsewhere. Each is
 * off until its API exists; the pages already have the place for it:
 *
 * - `terminateSessions`: a "Terminate session" button on a live session's
 *   detail page, for admins (console.adminGroups), posting to the
 *   console's own route, which sends the same command as
 *   `POST /api/sessions/:id/terminate`.
 * - `compliance` (on): the Compliance pages (per-identity activity,
 *   denials, sensitive access, approval service levels, audit-chain
 *   status, CSV) in the navigation, for auditors and admins
 *   (console-compliance.controller.ts, on the compliance read models).
 */
export interface ConsoleFeatures {
  readonly terminateSessions: boolean;
  readonly compliance: boolean;
}

export const CONSOLE_FEATURES: ConsoleFeatures = { terminateSessions: false, compliance: true };
