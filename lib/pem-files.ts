import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';

export type PemKind = 'certificate' | 'private key';

const BEGIN: Record<PemKind, { line: string; pattern: RegExp }> = {
  certificate: { line: '-----BEGIN CERTIFICATE-----', pattern: /-----BEGIN CERTIFICATE-----/ },
  'private key': {
    line: '-----BEGIN PRIVATE KEY-----',
    pattern: /-----BEGIN (?:RSA |EC |ENCRYPTED )?PRIVATE KEY-----/,
  },
};

const READ_ERRORS: Record<string, string> = {
  ENOENT: 'no such file',
  EISDIR: 'it is a directory',
  EACCES: 'permission denied',
};

/**
 * Reads a PEM file and checks that it holds what its variable says, so a wrong path or a swapped
 * cert and key stops the process at start-up instead of failing deep in the TLS handshake.
 * Messages name the file, never its contents (a key must not reach a log).
 */
export function readPemFile(file: string, kind: PemKind): string {
  let pem: string;
  try {
    pem = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? '';
    throw new Error(`cannot read ${file}: ${READ_ERRORS[code] ?? (code || 'unreadable')}`);
  }
  if (!BEGIN[kind].pattern.test(pem)) throw new Error(`${file} is not a PEM ${kind} (no "${BEGIN[kind].line}" line)`);
  try {
    if (kind === 'certificate') new X509Certificate(pem);
    else createPrivateKey(pem);
  } catch {
    const hint = kind === 'private key' ? ' (an encrypted key cannot be used: the SDK takes no passphrase)' : '';
    throw new Error(`${file} holds a PEM ${kind} that does not parse${hint}`);
  }
  return pem;
}

/** Whether `keyPem` is the private key of the (first) certificate in `certPem`. */
export function keyMatchesCertificate(certPem: string, keyPem: string): boolean {
  try {
    return new X509Certificate(certPem).checkPrivateKey(createPrivateKey(keyPem));
  } catch {
    return false; // e.g. an EC key for an RSA certificate
  }
}
