import { join } from 'node:path';
import { ValidationError } from '@portcullis/events';
import { parseHostPort } from './host-port.js';
import type { ForwarderConfig, SiemConfig, SiemConfigFile } from './siem-config.js';

/** The `siem:` section with its defaults, and the rules a schema cannot say. */
export function completeSiemConfig(
  file: SiemConfigFile | undefined,
  source: string,
  absolute: (path: string) => string,
  dataDir: string,
): SiemConfig {
  const problems: { path: string; message: string }[] = [];
  const forwarders = (file?.forwarders ?? []).map((f, i): ForwarderConfig => {
    const at = `/siem/forwarders/${i}`;
    if ((file?.forwarders ?? []).findIndex((g) => g.name === f.name) < i) {
      problems.push({
        path: `${at}/name`,
        message: `repeats the name ${f.name}: each forwarder has its own checkpoint`,
      });
    }
    const common = {
      name: f.name,
      format: f.format ?? 'ocsf',
      batchSize: f.batchSize ?? 500,
      from: f.from ?? 'start',
      retry: { initialDelayMs: f.retry?.initialDelayMs ?? 500, maxDelayMs: f.retry?.maxDelayMs ?? 30_000 },
      degradedAfterSeconds: f.degradedAfterSeconds ?? 60,
    };
    if (common.retry.maxDelayMs < common.retry.initialDelayMs) {
      problems.push({ path: `${at}/retry`, message: 'maxDelayMs must not be below initialDelayMs' });
    }
    if (f.type === 'syslog') {
      const { host, port } = parseHostPort(f.address, `${at}/address`);
      if (port < 1) problems.push({ path: `${at}/address`, message: 'port must be 1-65535' });
      const tls = f.tls;
      if (tls && !tls.certFile !== !tls.keyFile) {
        problems.push({
          path: `${at}/tls`,
          message: 'certFile and keyFile go together (a client certificate)',
        });
      }
      return {
        ...common,
        type: 'syslog',
        host,
        port,
        tls: tls && {
          ...(tls.caFile ? { caFile: absolute(tls.caFile) } : {}),
          ...(tls.certFile ? { certFile: absolute(tls.certFile) } : {}),
          ...(tls.keyFile ? { keyFile: absolute(tls.keyFile) } : {}),
          ...(tls.serverName ? { serverName: tls.serverName } : {}),
        },
        appName: f.appName ?? 'portcullis',
        facility: f.facility ?? 13,
        confirmAfterMs: f.confirmAfterMs ?? 500,
      };
    }
    const style = f.style ?? 'json';
    if (f.tokenEnv && f.tokenFile) {
      problems.push({ path: `${at}`, message: 'tokenEnv and tokenFile exclude each other' });
    }
    if (style === 'hec' && !f.tokenEnv && !f.tokenFile) {
      problems.push({ path: `${at}`, message: 'style hec needs tokenEnv or tokenFile (the HEC token)' });
    }
    if (f.tokenEnv && process.env[f.tokenEnv] === undefined) {
      problems.push({ path: `${at}/tokenEnv`, message: `environment variable ${f.tokenEnv} is not set` });
    }
    if (style !== 'hec' && (f.index || f.sourcetype)) {
      problems.push({ path: `${at}`, message: 'index and sourcetype apply to style hec only' });
    }
    return {
      ...common,
      type: 'http',
      url: f.url,
      style,
      token: f.tokenEnv ? { env: f.tokenEnv } : f.tokenFile ? { file: absolute(f.tokenFile) } : undefined,
      index: f.index,
      sourcetype: f.sourcetype ?? `portcullis:${common.format}`,
      caFile: f.caFile ? absolute(f.caFile) : undefined,
      timeoutMs: f.timeoutMs ?? 10_000,
    };
  });
  if (problems.length) throw new ValidationError(`config ${source} is invalid`, problems);
  const anchors = file?.anchors;
  return {
    forwarders,
    anchors: {
      enabled: anchors?.enabled ?? true,
      keyFile: anchors?.keyFile ? absolute(anchors.keyFile) : join(dataDir, 'audit-anchor-ed25519.pem'),
      everyEvents: anchors?.everyEvents ?? 1000,
      everySeconds: anchors?.everySeconds ?? 60,
    },
  };
}
