export { freePort } from './free-port.js';
export { tempDir, type TempDir } from './temp-dir.js';
export {
  startPostgres,
  postgresBinDir,
  type PostgresServer,
  type PostgresServerOptions,
} from './postgres-server.js';
export {
  startOidcProvider,
  type OidcProvider,
  type OidcProviderOptions,
  type OidcServicePrincipal,
  type OidcSigningAlgorithm,
  type OidcUser,
  type OidcWebClient,
} from './oidc-provider.js';
export { launchChromium, CHROMIUM_BIN, type Chromium } from './chromium.js';
export { CONSOLE_ARTIFACTS_DIR, signInToConsole } from './console-browser.js';
export { grantingPolicyBundle, type PolicyGrant } from './granting-policy-bundle.js';
export { startSshd, OPENSSH_TOKEN_OPTIONS, type SshdServer, type SshdServerOptions } from './sshd-server.js';
export { startServe, PORTCULLIS_BIN, type ServeProcess } from './serve-process.js';
export { serveConfigYaml, sshTargetYaml, type ServeConfigOptions } from './serve-config.js';
export {
  startRsyslog,
  RSYSLOGD,
  RSYSLOG_GTLS,
  type RsyslogOptions,
  type RsyslogServer,
  type RsyslogTlsOptions,
} from './rsyslog-server.js';
