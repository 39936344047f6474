// The TLS settings of one Git or registry connection: a CA bundle trusted besides Node's roots and
// the controller's --ca-file, a client certificate for mutual TLS, and the loudly named opt-out of
// verification. PEM text is checked here, where it enters (a Secret, --ca-file); messages name the
// field and the problem, never the material.
import { createHash, createPrivateKey, type KeyObject, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';

/** TLS settings of one object (GitSync or ImagePolicy); every field optional. */
export interface TlsSettings {
  /** CA bundle (PEM) trusted in addition to Node's roots and --ca-file. Default none. */
  readonly ca?: string | undefined;
  /** Client certificate (PEM) for mutual TLS; always with `key`. Default none. */
  readonly cert?: string | undefined;
  /** Private key (PEM) of `cert`. Default none. */
  readonly key?: string | undefined;
  /** Skip verification of the server's certificate (every connection logs a warning). Default false. */
  readonly insecureSkipVerify?: boolean | undefined;
}

/** The PEM fields of a TLS Secret, decoded; the key names are Flux's (`ca.crt`, `tls.crt`, `tls.key`). */
export interface TlsSecretFields {
  'ca.crt'?: string | undefined;
  'tls.crt'?: string | undefined;
  'tls.key'?: string | undefined;
}

/** Checked TLS material, or why it cannot be used. */
export type TlsParseResult = { ok: true; settings: TlsSettings } | { ok: false; message: string };

const CERT_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;

/** Whether `settings` asks for anything beyond the defaults. */
export function hasTlsSettings(settings: TlsSettings | undefined): settings is TlsSettings {
  return (
    settings !== undefined &&
    (settings.ca !== undefined || settings.cert !== undefined || settings.insecureSkipVerify === true)
  );
}

/**
 * Checks a CA bundle: one or more PEM certificates, each parseable. Returns the problem in plain
 * words (for `where`, e.g. "Secret ns/name key ca.crt"), or undefined when it is usable.
 */
export function caBundleProblem(pem: string, where: string): string | undefined {
  const blocks = pem.match(CERT_BLOCK) ?? [];
  if (blocks.length === 0) return `${where} holds no PEM certificate (-----BEGIN CERTIFICATE-----)`;
  for (const [index, block] of blocks.entries()) {
    try {
      new X509Certificate(block);
    } catch {
      return `${where}: certificate ${index + 1} of ${blocks.length} is not a valid PEM certificate`;
    }
  }
  return undefined;
}

/** Reads and checks a CA bundle file (--ca-file): its PEM text, or why it cannot be used. */
export function readCaBundleFile(path: string): { ok: true; pem: string } | { ok: false; message: string } {
  let pem: string;
  try {
    pem = readFileSync(path, 'utf8');
  } catch (error) {
    return {
      ok: false,
      message: `--ca-file: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
    };
  }
  const problem = caBundleProblem(pem, `--ca-file ${path}`);
  return problem ? { ok: false, message: problem } : { ok: true, pem };
}

/**
 * Turns the decoded fields of a TLS Secret into settings: `ca.crt` alone, `tls.crt` + `tls.key`
 * alone, or all three. A field that does not parse, a certificate without its key (or the other
 * way round), or a key that does not belong to the certificate is refused with a message.
 */
export function parseTlsSecret(fields: TlsSecretFields, where: string): TlsParseResult {
  const ca = fields['ca.crt'];
  const cert = fields['tls.crt'];
  const key = fields['tls.key'];
  if (ca === undefined && cert === undefined && key === undefined) {
    return { ok: false, message: `${where} has none of the keys ca.crt, tls.crt and tls.key` };
  }
  if (ca !== undefined) {
    const problem = caBundleProblem(ca, `${where} key ca.crt`);
    if (problem) return { ok: false, message: problem };
  }
  if ((cert === undefined) !== (key === undefined)) {
    const missing = cert === undefined ? 'tls.crt' : 'tls.key';
    return {
      ok: false,
      message: `${where}: a client certificate needs both tls.crt and tls.key; ${missing} is missing`,
    };
  }
  if (cert !== undefined && key !== undefined) {
    const problem = clientPairProblem(cert, key, where);
    if (problem) return { ok: false, message: problem };
  }
  return {
    ok: true,
    settings: {
      ...(ca !== undefined ? { ca } : {}),
      ...(cert !== undefined && key !== undefined ? { cert, key } : {}),
    },
  };
}

function clientPairProblem(cert: string, key: string, where: string): string | undefined {
  let certificate: X509Certificate;
  let privateKey: KeyObject;
  try {
    certificate = new X509Certificate(cert);
  } catch {
    return `${where} key tls.crt is not a valid PEM certificate`;
  }
  try {
    privateKey = createPrivateKey(key);
  } catch {
    // The parser's message may quote the input: only say what is wrong.
    return `${where} key tls.key is not a valid unencrypted PEM private key`;
  }
  if (!certificate.checkPrivateKey(privateKey)) {
    return `${where}: tls.key is not the private key of the certificate in tls.crt`;
  }
  return undefined;
}

/**
 * A digest of the settings (CA bundle, client certificate and key, skip-verify): the key of the
 * agent cache and of "did the Secret change", without keeping another copy of the key around.
 */
export function tlsSettingsDigest(settings: TlsSettings | undefined): string {
  if (!hasTlsSettings(settings)) return 'none';
  return createHash('sha256')
    .update(
      JSON.stringify([
        settings.ca ?? null,
        settings.cert ?? null,
        settings.key ?? null,
        settings.insecureSkipVerify === true,
      ]),
    )
    .digest('hex')
    .slice(0, 32);
}
