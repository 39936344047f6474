// Test PKI made with the openssl CLI: a CA, serving certificates for 127.0.0.1/localhost, client
// certificates with an organisation (Kubernetes groups), and bare key pairs.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { run } from './processes.ts';

/** File paths of a certificate and its key. */
export interface CertFiles {
  cert: string;
  key: string;
}

/** Creates a self-signed CA in `dir` named `name`. */
export async function makeCa(dir: string, name: string): Promise<CertFiles> {
  const files = { cert: join(dir, `${name}.crt`), key: join(dir, `${name}.key`) };
  await run('openssl', [
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-nodes',
    '-keyout',
    files.key,
    '-out',
    files.cert,
    '-days',
    '2',
    '-subj',
    `/CN=${name}`,
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign,digitalSignature',
  ]);
  return files;
}

/** Issues a certificate signed by `ca`: a server cert for 127.0.0.1/localhost, or a client cert. */
export async function issueCert(
  dir: string,
  name: string,
  ca: CertFiles,
  subject: {
    commonName: string;
    organization?: string;
    usage: 'server' | 'client';
    /** Server certificates: the subjectAltName entries. Default `IP:127.0.0.1,DNS:localhost`. */
    altNames?: string;
    /** Valid for a day in 2020 (long expired) instead of two days from now. Default false. */
    expired?: boolean;
  },
): Promise<CertFiles> {
  const files = { cert: join(dir, `${name}.crt`), key: join(dir, `${name}.key`) };
  const csr = join(dir, `${name}.csr`);
  const ext = join(dir, `${name}.ext`);
  const org = subject.organization ? `/O=${subject.organization}` : '';
  await run('openssl', [
    'req',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-nodes',
    '-keyout',
    files.key,
    '-out',
    csr,
    '-subj',
    `${org}/CN=${subject.commonName}`,
  ]);
  const extensions =
    subject.usage === 'server'
      ? `subjectAltName=${subject.altNames ?? 'IP:127.0.0.1,DNS:localhost'}\nextendedKeyUsage=serverAuth\n`
      : 'extendedKeyUsage=clientAuth\n';
  writeFileSync(
    ext,
    `basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\n${extensions}`,
  );
  if (subject.expired) {
    await signExpired(dir, name, ca, csr, ext, files.cert);
    return files;
  }
  await run('openssl', [
    'x509',
    '-req',
    '-in',
    csr,
    '-CA',
    ca.cert,
    '-CAkey',
    ca.key,
    '-CAcreateserial',
    '-out',
    files.cert,
    '-days',
    '2',
    '-extfile',
    ext,
  ]);
  return files;
}

/** `openssl x509 -req` cannot set a start date (OpenSSL 3.0); `openssl ca` can, with a tiny CA database. */
async function signExpired(
  dir: string,
  name: string,
  ca: CertFiles,
  csr: string,
  ext: string,
  out: string,
): Promise<void> {
  const db = join(dir, `${name}-ca-db`);
  mkdirSync(db, { recursive: true });
  writeFileSync(join(db, 'index.txt'), '');
  writeFileSync(join(db, 'serial'), '1000\n');
  const config = join(db, 'ca.cnf');
  writeFileSync(
    config,
    `[ca]\ndefault_ca = test\n[test]\ndatabase = ${db}/index.txt\nnew_certs_dir = ${db}\nserial = ${db}/serial\n` +
      'default_md = sha256\npolicy = any\nunique_subject = no\n[any]\ncommonName = supplied\norganizationName = optional\n',
  );
  await run('openssl', [
    'ca',
    '-batch',
    '-notext',
    '-config',
    config,
    '-cert',
    ca.cert,
    '-keyfile',
    ca.key,
    '-in',
    csr,
    '-out',
    out,
    '-startdate',
    '20200101000000Z',
    '-enddate',
    '20200102000000Z',
    '-extfile',
    ext,
  ]);
}

/** A test PKI: a CA, a server certificate for 127.0.0.1/localhost and a client certificate, all signed by it. */
export interface TestPki {
  ca: CertFiles;
  server: CertFiles;
  client: CertFiles;
}

/** Makes a CA named `name` with a server and a client certificate in `dir`. */
export async function makeTestPki(dir: string, name: string): Promise<TestPki> {
  const ca = await makeCa(dir, `${name}-ca`);
  const server = await issueCert(dir, `${name}-server`, ca, { commonName: '127.0.0.1', usage: 'server' });
  const client = await issueCert(dir, `${name}-client`, ca, { commonName: 'tagpilot', usage: 'client' });
  return { ca, server, client };
}

/** Creates an RSA key pair (PEM) for service-account token signing. */
export async function makeRsaKeyPair(
  dir: string,
  name: string,
): Promise<{ publicKey: string; privateKey: string }> {
  const privateKey = join(dir, `${name}.key`);
  const publicKey = join(dir, `${name}.pub`);
  await run('openssl', [
    'genpkey',
    '-algorithm',
    'RSA',
    '-pkeyopt',
    'rsa_keygen_bits:2048',
    '-out',
    privateKey,
  ]);
  await run('openssl', ['pkey', '-in', privateKey, '-pubout', '-out', publicKey]);
  return { publicKey, privateKey };
}
