/**
 * The console's one stylesheet, served as /console/assets/console.css (a
 * module so `tsc -b` builds it into dist with the rest). Light and dark
 * follow the system setting through prefers-color-scheme.
 */
export const CONSOLE_CSS = `
:root {
  color-scheme: light dark;
  --bg: #f7f7f8; --fg: #16181d; --muted: #5b6170; --card: #ffffff; --line: #d5d8de;
  --accent: #0b5fff; --ok: #0f7b3e; --bad: #b3261e; --warn: #8a5a00; --code: #f0f1f4;
  --kw: #7a2fb0; --str: #0f7b3e; --num: #a4461b; --com: #6b7280; --ident: #0b5fb0; --param: #a4461b;
  --focus: #0b5fff;
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #14161b; --fg: #e8eaef; --muted: #a3a9b7; --card: #1d2027; --line: #363b47;
    --accent: #7aa7ff; --ok: #5bd08a; --bad: #ff8a80; --warn: #f2c14e; --code: #262a33;
    --kw: #d3a6ff; --str: #8fe3a8; --num: #ffb38a; --com: #9aa1ad; --ident: #8fc3ff; --param: #ffb38a;
    --focus: #9cbcff;
  }
}
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; background: var(--bg); color: var(--fg); }
a { color: var(--accent); }
:focus-visible { outline: 3px solid var(--focus); outline-offset: 2px; }
.skip-link { position: absolute; left: -9999px; top: 0; background: var(--card); padding: .5rem 1rem; z-index: 10; }
.skip-link:focus { left: 1rem; }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
.top { display: flex; flex-wrap: wrap; gap: 1rem 2rem; align-items: center; padding: .75rem 1.5rem; border-bottom: 1px solid var(--line); background: var(--card); }
.brand { font-weight: 700; letter-spacing: .02em; }
nav ul { display: flex; gap: 1rem; list-style: none; margin: 0; padding: 0; }
nav a[aria-current="page"] { font-weight: 700; text-decoration-thickness: 3px; }
.who { margin-left: auto; display: flex; gap: .75rem; align-items: center; }
.who form { margin: 0; }
main { max-width: 72rem; margin: 0 auto; padding: 1rem 1.5rem 3rem; }
main:focus { outline: none; }
h1 { font-size: 1.6rem; margin: .5rem 0 1rem; }
h2 { font-size: 1.2rem; margin: 1.5rem 0 .5rem; }
h3 { font-size: 1rem; margin: 0 0 .5rem; display: flex; flex-wrap: wrap; gap: .5rem; align-items: baseline; }
.count { font-size: .85rem; color: var(--muted); border: 1px solid var(--line); border-radius: 1rem; padding: 0 .5rem; }
.hint, .muted, .empty { color: var(--muted); }
.cards { display: grid; gap: 1rem; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: .5rem; padding: 1rem; }
.status-pending { border-left: 4px solid var(--warn); }
.badge { font-size: .8rem; border-radius: .25rem; padding: 0 .4rem; border: 1px solid currentColor; }
.badge-pending, .badge-review, .badge-open { color: var(--warn); }
.badge-granted, .badge-allow, .badge-closed { color: var(--ok); }
.badge-denied, .badge-deny, .badge-blocked, .badge-expired, .badge-rejected { color: var(--bad); }
pre.statement { background: var(--code); padding: .6rem .8rem; border-radius: .35rem; overflow-x: auto; white-space: pre-wrap; margin: .25rem 0 .75rem; }
code { font-family: ui-monospace, "SF Mono", Menlo, Consolas, monospace; font-size: .92em; }
.sql-keyword { color: var(--kw); font-weight: 600; }
.sql-string { color: var(--str); }
.sql-number { color: var(--num); }
.sql-comment { color: var(--com); font-style: italic; }
.sql-identifier { color: var(--ident); }
.sql-parameter { color: var(--param); }
.facts { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1rem; margin: 0 0 .75rem; }
.facts dt { color: var(--muted); }
.facts dd { margin: 0; }
.kind { font-weight: 600; text-transform: uppercase; font-size: .85em; }
.decide { display: grid; gap: .4rem; max-width: 36rem; }
.decide textarea, .filters input, .filters select { font: inherit; color: inherit; background: var(--bg); border: 1px solid var(--line); border-radius: .3rem; padding: .35rem .5rem; }
.buttons { display: flex; gap: .5rem; }
button, .button { font: inherit; cursor: pointer; border-radius: .3rem; border: 1px solid var(--line); background: var(--card); color: var(--fg); padding: .35rem .9rem; text-decoration: none; display: inline-block; }
button.grant { background: var(--ok); border-color: var(--ok); color: #fff; }
button.deny { background: var(--bad); border-color: var(--bad); color: #fff; }
@media (prefers-color-scheme: dark) { button.grant, button.deny { color: #111; } }
.flash { border-radius: .4rem; padding: .6rem .9rem; margin: 0 0 1rem; border: 1px solid var(--line); background: var(--card); }
.flash-refused { border-color: var(--bad); }
.flash-ok { border-color: var(--ok); }
.filters { display: flex; flex-wrap: wrap; gap: .75rem 1rem; align-items: end; margin-bottom: 1rem; }
.filters label { display: grid; gap: .2rem; }
.filters p { flex-basis: 100%; margin: 0; }
.terminate { display: flex; flex-wrap: wrap; gap: .75rem 1rem; align-items: end; margin: 1.5rem 0; }
.terminate h2 { flex-basis: 100%; margin: 0; }
.terminate label { display: grid; gap: .2rem; }
.terminate input { font: inherit; color: inherit; background: var(--bg); border: 1px solid var(--line); border-radius: .3rem; padding: .35rem .5rem; width: min(32rem, 80vw); }
table { border-collapse: collapse; width: 100%; background: var(--card); }
caption { text-align: left; color: var(--muted); padding: .4rem 0; }
th, td { text-align: left; padding: .4rem .6rem; border-bottom: 1px solid var(--line); vertical-align: top; }
.timeline { list-style: none; padding: 0; display: grid; gap: 1rem; }
.command { background: var(--card); border: 1px solid var(--line); border-radius: .5rem; padding: 1rem; }
.reasons { margin: 0; padding-left: 1.2rem; }
.subnav ul { display: flex; flex-wrap: wrap; gap: .5rem 1.25rem; list-style: none; margin: 0 0 1rem; padding: 0; }
.subnav a[aria-current="page"] { font-weight: 700; text-decoration-thickness: 3px; }
.table-scroll { overflow-x: auto; }
table.compliance code { white-space: pre-wrap; word-break: break-word; }
ul.plain { list-style: none; margin: 0; padding: 0; }
.sign-in { list-style: none; padding: 0; display: grid; gap: .5rem; max-width: 24rem; }
.recording-player { max-width: 64rem; }
`;
