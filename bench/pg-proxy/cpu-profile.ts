import { writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';
import type { Profiler } from 'node:inspector';

export interface SelfTime {
  readonly where: string;
  readonly percent: number;
}

export interface ProfileSummary {
  readonly file: string;
  readonly sampledMs: number;
  /** Share of samples where the process was busy (not idle): how much of one core the proxy used. */
  readonly busyPercent: number;
  readonly topFunctions: SelfTime[];
  readonly byModule: SelfTime[];
  /** Our code's functions by time including what they call (synchronous stacks only). */
  readonly inclusive: SelfTime[];
}

/**
 * Samples this process's CPU while `work` runs: with pgbench and both
 * servers in other processes, what is sampled here is the proxy (plus its
 * event store client). Writes the .cpuprofile for DevTools and returns
 * self time by function and by module, as a share of all samples.
 */
export async function profileCpu(work: () => Promise<void>, file: string): Promise<ProfileSummary> {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 200 });
  await session.post('Profiler.start');
  let profile: Profiler.Profile;
  try {
    await work();
  } finally {
    profile = (await session.post('Profiler.stop')).profile;
    session.disconnect();
  }
  await writeFile(file, JSON.stringify(profile));
  return summarise(profile, file);
}

function summarise(profile: Profiler.Profile, file: string): ProfileSummary {
  const hits = new Map<number, number>();
  for (const id of profile.samples ?? []) hits.set(id, (hits.get(id) ?? 0) + 1);
  const total = profile.samples?.length ?? 0;
  const byFunction = new Map<string, number>();
  const byModule = new Map<string, number>();
  let idle = 0;
  const parents = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parents.set(child, node.id);
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const inclusive = new Map<string, number>();
  for (const node of profile.nodes) {
    const count = hits.get(node.id) ?? 0;
    if (count === 0) continue;
    // Each sample counts once per distinct function on its stack (recursion counted once).
    const seen = new Set<string>();
    for (let id: number | undefined = node.id; id !== undefined; id = parents.get(id)) {
      const { functionName, url, lineNumber } = nodes.get(id)!.callFrame;
      if (!/\/libs\//.test(url)) continue;
      seen.add(`${functionName || '(anonymous)'} ${shortUrl(url)}:${lineNumber + 1}`);
    }
    for (const where of seen) inclusive.set(where, (inclusive.get(where) ?? 0) + count);
  }
  for (const node of profile.nodes) {
    const count = hits.get(node.id) ?? 0;
    if (count === 0) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    if (functionName === '(idle)') idle += count;
    const where = url ? `${functionName || '(anonymous)'} ${shortUrl(url)}:${lineNumber + 1}` : functionName;
    byFunction.set(where, (byFunction.get(where) ?? 0) + count);
    const module = url ? moduleOf(url) : functionName;
    byModule.set(module, (byModule.get(module) ?? 0) + count);
  }
  const top = (m: Map<string, number>, n: number) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([where, count]) => ({ where, percent: (100 * count) / total }));
  return {
    file,
    sampledMs: (profile.endTime - profile.startTime) / 1000,
    busyPercent: (100 * (total - idle)) / total,
    topFunctions: top(byFunction, 25),
    byModule: top(byModule, 15),
    inclusive: top(inclusive, 25),
  };
}

const shortUrl = (url: string) => url.replace(/^file:\/\/.*?\/(libs|node_modules|bench)\//, '$1/');

/** `libs/<name>`, `node_modules/<package>`, or `node:<builtin>`: where a sample's code lives. */
function moduleOf(url: string): string {
  const lib = /\/libs\/([^/]+)\//.exec(url);
  if (lib) return `@portcullis/${lib[1]}`;
  const pkg = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
  if (pkg) return pkg[1]!;
  return url.startsWith('node:') ? url : 'other';
}
