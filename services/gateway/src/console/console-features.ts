/**
 * Console views that wait for APIs still being built elsewhere. Each is
 * off until its API exists; the pages already have the place for it:
 *
 * - `compliance` (on): the Compliance pages (per-identity activity,
 *   denials, sensitive access, approval service levels, audit-chain
 *   status, CSV) in the navigation, for auditors and admins
 *   (console-compliance.controller.ts, on the compliance read models).
 */
export interface ConsoleFeatures {
  readonly compliance: boolean;
}

export const CONSOLE_FEATURES: ConsoleFeatures = { compliance: true };
