import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** Paths of the PEM files a test made; every certificate is valid from now for two days. */
export interface TestPki {
  readonly dir: string;
  readonly caCert: string;
  readonly serverCert: string;
  readonly serverKey: string;
  /** The name in the server certificate (no IP address in it, so a client must name the server). */
  readonly serverName: string;
  readonly clientCert: string;
  readonly clientKey: string;
  /** A client certificate from another CA, which the server must refuse. */
  readonly strangerCert: string;
  readonly strangerKey: string;
}

/**
 * A CA, a server and a client certificate signed by it, and a stranger signed by another CA, made
 * with the `openssl` CLI (no dependency; the same commands an operator would use). EC P-256 keys
 * in PKCS#8, which both the SDK's gRPC client and its Rust core accept.
 */
export function makeTestPki(serverName = 'temporal.test'): TestPki {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'pipelines-pki-'));
  const file = (name: string) => path.join(dir, name);
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe', timeout: 60_000 });

  const key = (name: string) =>
    openssl('genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', file(`${name}.key`));
  const sign = (name: string, subject: string, extensions: string, ca?: string) => {
    key(name);
    openssl('req', '-new', '-key', file(`${name}.key`), '-subj', `/CN=${subject}`, '-out', file(`${name}.csr`));
    writeFileSync(file(`${name}.ext`), extensions);
    const issuer = ca ? ['-CA', file(`${ca}.crt`), '-CAkey', file(`${ca}.key`)] : ['-signkey', file(`${name}.key`)];
    openssl(
      'x509',
      '-req',
      '-in',
      file(`${name}.csr`),
      ...issuer,
      '-set_serial',
      String(Date.now()),
      '-days',
      '2',
      '-extfile',
      file(`${name}.ext`),
      '-out',
      file(`${name}.crt`),
    );
  };
  const CA = 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n';
  const leaf = (usage: string) =>
    `basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=${usage}\n`;

  sign('ca', 'pipelines test CA', CA);
  sign('server', serverName, `${leaf('serverAuth')}subjectAltName=DNS:${serverName}\n`, 'ca');
  sign('client', 'pipelines-worker', leaf('clientAuth'), 'ca');
  sign('stranger-ca', 'another CA', CA);
  sign('stranger', 'stranger', leaf('clientAuth'), 'stranger-ca');

  return {
    dir,
    caCert: file('ca.crt'),
    serverCert: file('server.crt'),
    serverKey: file('server.key'),
    serverName,
    clientCert: file('client.crt'),
    clientKey: file('client.key'),
    strangerCert: file('stranger.crt'),
    strangerKey: file('stranger.key'),
  };
}
