// A remote whose HEAD points at a branch that does not exist (a `git init --bare` defaulting to
// `main` while the team pushes `master`) advertises no HEAD at all. isomorphic-git's fetch then
// fails with "Could not find HEAD" even for a named branch (isomorphic-git/isomorphic-git#1654):
// it looks HEAD up after the fetch to report the default branch, which we never use. This wrapper
// gives such an advertisement a HEAD line (the first advertised ref's commit), so that fetching a
// branch by name needs only that branch, as it does with the git CLI.
import type { GitHttpResponse, HttpClient } from 'isomorphic-git';

const FLUSH = '0000';
const ZERO_OID = '0'.repeat(40);

/** Wraps `http` so that upload-pack ref advertisements always list HEAD. */
export function advertiseMissingHead(http: HttpClient): HttpClient {
  return {
    async request(request) {
      const response = await http.request(request);
      if (!isUploadPackAdvertisement(request.url, request.method, response)) return response;
      const body = await collect(response.body);
      const fixed = withHead(body) ?? body;
      return { ...response, body: once(fixed) };
    },
  };
}

function isUploadPackAdvertisement(
  url: string,
  method: string | undefined,
  response: GitHttpResponse,
): boolean {
  return (
    (method ?? 'GET') === 'GET' &&
    response.statusCode === 200 &&
    /\/info\/refs\?(?:.*&)?service=git-upload-pack(?:&|$)/.test(url)
  );
}

/**
 * The advertisement with a HEAD line added, or undefined when it needs none (HEAD is there, no ref
 * is advertised, it is protocol v2, or it is not a pkt-line stream we can read).
 */
export function withHead(body: Buffer): Buffer | undefined {
  const lines = readPktLines(body);
  if (lines === undefined) return undefined;
  // Smart HTTP starts with "# service=git-upload-pack" and a flush; SSH does not.
  let first = 0;
  if (lines[0]?.startsWith('# service=')) {
    if (lines[1] !== FLUSH) return undefined;
    first = 2;
  }
  const firstRef = lines[first];
  if (firstRef === undefined || firstRef === FLUSH || firstRef.startsWith('version ')) return undefined;
  const nul = firstRef.indexOf('\0');
  if (nul < 0) return undefined;
  const [oid, name] = firstRef.slice(0, nul).split(' ');
  if (oid === undefined || !/^[0-9a-f]{40}$/.test(oid) || oid === ZERO_OID || name === undefined)
    return undefined;
  for (let i = first; i < lines.length && lines[i] !== FLUSH; i++) {
    const ref = (lines[i] ?? '').split('\0')[0]?.split(' ')[1]?.trimEnd();
    if (ref === 'HEAD') return undefined;
  }
  const capabilities = firstRef.slice(nul + 1);
  const rebuilt = [
    ...lines.slice(0, first),
    `${oid} HEAD\0${capabilities}`,
    `${firstRef.slice(0, nul)}\n`,
    ...lines.slice(first + 1),
  ];
  return Buffer.from(rebuilt.map(pktLine).join(''), 'latin1');
}

/** The payloads of a pkt-line stream (a flush packet as "0000"), or undefined when it is not one. */
function readPktLines(body: Buffer): string[] | undefined {
  const lines: string[] = [];
  let at = 0;
  while (at < body.length) {
    if (at + 4 > body.length) return undefined;
    const length = Number.parseInt(body.toString('latin1', at, at + 4), 16);
    if (!Number.isInteger(length) || (length !== 0 && length < 4) || at + Math.max(length, 4) > body.length) {
      return undefined;
    }
    lines.push(length === 0 ? FLUSH : body.toString('latin1', at + 4, at + length));
    at += Math.max(length, 4);
  }
  return lines;
}

function pktLine(payload: string): string {
  if (payload === FLUSH) return FLUSH;
  return (payload.length + 4).toString(16).padStart(4, '0') + payload;
}

async function collect(body: GitHttpResponse['body']): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of body ?? []) chunks.push(chunk);
  return Buffer.concat(chunks);
}

async function* once(buffer: Buffer): AsyncIterableIterator<Uint8Array> {
  yield buffer;
}
