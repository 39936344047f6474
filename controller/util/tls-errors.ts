// TLS failures in plain words: which certificate problem Node reported (its code kept, so a user
// can search for it) and what to do about it. Used by git/ and registry/ to make their typed
// TLS_CERTIFICATE errors; nothing here quotes certificate or key material.

/** A recognised TLS failure. */
export interface TlsFailure {
  /** Node's (OpenSSL's) code, e.g. `UNABLE_TO_VERIFY_LEAF_SIGNATURE`. */
  readonly code: string;
  /** "<problem> (<code>); <what to do>". */
  readonly message: string;
}

const ADD_CA = 'add the CA that signed it in spec.certSecretRef (key ca.crt) or --ca-file';
const CLIENT_CERT =
  'put a client certificate the server accepts in spec.certSecretRef (keys tls.crt and tls.key)';

/** Problem and advice by Node / OpenSSL code. */
const KNOWN: Readonly<Record<string, readonly [problem: string, advice: string]>> = {
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: ["the server's certificate is signed by a CA that is not trusted", ADD_CA],
  UNABLE_TO_GET_ISSUER_CERT: ["the server's certificate is signed by a CA that is not trusted", ADD_CA],
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: [
    "the server's certificate is signed by a CA that is not trusted",
    ADD_CA,
  ],
  SELF_SIGNED_CERT_IN_CHAIN: [
    "the server's certificate chain ends in a self-signed CA that is not trusted",
    ADD_CA,
  ],
  DEPTH_ZERO_SELF_SIGNED_CERT: [
    "the server's certificate is self-signed and not trusted",
    'add that certificate in spec.certSecretRef (key ca.crt) or --ca-file',
  ],
  CERT_HAS_EXPIRED: ["the server's certificate has expired", 'renew the certificate on the server'],
  CERT_NOT_YET_VALID: [
    "the server's certificate is not valid yet",
    "check the server's certificate dates and both clocks",
  ],
  CERT_SIGNATURE_FAILURE: ["the server's certificate signature does not verify", ADD_CA],
  CERT_REVOKED: ["the server's certificate is revoked", 'replace the certificate on the server'],
  ERR_TLS_CERT_ALTNAME_INVALID: [
    "the server's certificate does not name this host",
    'use a host name the certificate lists, or reissue the certificate with it',
  ],
  ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED: [
    'the server requires a client certificate and none was sent',
    CLIENT_CERT,
  ],
  ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE: ['the server refused the client certificate', CLIENT_CERT],
  ERR_SSL_SSLV3_ALERT_CERTIFICATE_UNKNOWN: ['the server refused the client certificate', CLIENT_CERT],
  ERR_SSL_TLSV1_ALERT_UNKNOWN_CA: [
    "the server refused the client certificate (it does not trust the certificate's CA)",
    CLIENT_CERT,
  ],
  ERR_SSL_SSLV3_ALERT_CERTIFICATE_EXPIRED: [
    'the server refused the client certificate: it has expired',
    CLIENT_CERT,
  ],
  ERR_SSL_WRONG_VERSION_NUMBER: [
    'the server does not speak TLS on this port',
    'use http:// (Git) or list the host in --insecure-registries (registries), or check the port',
  ],
};

function codeOf(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null || !('code' in error)) return undefined;
  return typeof error.code === 'string' ? error.code : undefined;
}

/** The TLS failure in `error` or one of its causes, or undefined when it is not one. */
export function describeTlsFailure(error: unknown): TlsFailure | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current !== undefined && current !== null; depth++) {
    const code = codeOf(current);
    const known = code === undefined ? undefined : KNOWN[code];
    if (code !== undefined && known !== undefined) {
      return { code, message: `TLS: ${known[0]} (${code}); ${known[1]}` };
    }
    current = current instanceof Error ? current.cause : undefined;
  }
  return undefined;
}
