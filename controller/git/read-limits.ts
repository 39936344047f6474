// Caps on what one repository can make the controller read (DESIGN §0 promise 4): a commit with
// 50,000 manifests or a 2 GiB YAML file is refused with a message that names the number and the
// limit, before anything is parsed, applied or pruned.

/** How much `Repository.readFiles` reads from one path of one commit. */
export interface ReadLimits {
  /** Manifest files (`*.yaml`, `*.yml`, `Kustomization`) under the path. Default 10,000. */
  maxFiles: number;
  /** Bytes of one manifest file. Default 4 MiB. */
  maxFileBytes: number;
  /** Bytes of all manifest files under the path together. Default 64 MiB. */
  maxTotalBytes: number;
  /** YAML documents in one file (counted by `---` lines, before parsing). Default 5,000. */
  maxDocumentsPerFile: number;
}

/**
 * The defaults of `ReadLimits` (flags `--max-manifest-files`, `--max-manifest-file-bytes`,
 * `--max-manifest-bytes`, `--max-manifest-documents`).
 */
export const DEFAULT_READ_LIMITS: Readonly<ReadLimits> = {
  maxFiles: 10_000,
  maxFileBytes: 4 * 1024 * 1024,
  maxTotalBytes: 64 * 1024 * 1024,
  maxDocumentsPerFile: 5_000,
};

/** Which cap a read went over. */
export type ReadLimitKind = 'files' | 'fileBytes' | 'totalBytes' | 'documents';

/** A read over one of the `ReadLimits`: the whole read is refused; retrying the same commit cannot help. */
export class ReadLimitError extends Error {
  override readonly name = 'ReadLimitError';
  /** Stable code, used as the reason of the GitSync's Synced and Ready conditions. */
  readonly code = 'RepositoryTooLarge';
  readonly retryable = false;
  readonly limit: ReadLimitKind;
  /** The count or size found (at the moment the cap was crossed). */
  readonly actual: number;
  /** The cap. */
  readonly max: number;

  constructor(limit: ReadLimitKind, actual: number, max: number, where: string) {
    super(describe(limit, actual, max, where));
    this.limit = limit;
    this.actual = actual;
    this.max = max;
  }
}

const FLAGS: Record<ReadLimitKind, string> = {
  files: '--max-manifest-files',
  fileBytes: '--max-manifest-file-bytes',
  totalBytes: '--max-manifest-bytes',
  documents: '--max-manifest-documents',
};

function describe(limit: ReadLimitKind, actual: number, max: number, where: string): string {
  const n = (value: number) => value.toLocaleString('en');
  const what: Record<ReadLimitKind, string> = {
    files: `${where} holds ${n(actual)} manifest files, over the limit of ${n(max)}`,
    fileBytes: `${where} is ${n(actual)} bytes, over the limit of ${n(max)} bytes per manifest file`,
    totalBytes: `the manifests under ${where} add up to more than ${n(max)} bytes (${n(actual)} read so far)`,
    documents: `${where} holds ${n(actual)} YAML documents, over the limit of ${n(max)} per file`,
  };
  return `${what[limit]}; limit set by ${FLAGS[limit]}`;
}

// A `---` marker at the start of a line (not the first line, which starts the first document anyway).
const DOCUMENT_START = /\n---(?=[ \t\r\n]|$)/g;

/** Accumulates one read and throws `ReadLimitError` the moment a cap is crossed. */
export class ReadBudget {
  readonly #limits: ReadLimits;
  readonly #where: string;
  #bytes = 0;

  constructor(limits: ReadLimits, where: string) {
    this.#limits = limits;
    this.#where = where;
  }

  /** Checks the number of files before any is read. */
  countFiles(total: number): void {
    if (total > this.#limits.maxFiles)
      throw new ReadLimitError('files', total, this.#limits.maxFiles, this.#where);
  }

  /** Counts the YAML documents of one file that was read: lines starting a document (`---`), plus the first. */
  countDocuments(path: string, content: string): void {
    let documents = 1;
    for (const _ of content.matchAll(DOCUMENT_START)) documents++;
    if (documents > this.#limits.maxDocumentsPerFile)
      throw new ReadLimitError('documents', documents, this.#limits.maxDocumentsPerFile, path);
  }

  /** Counts the bytes of one file that was read. */
  addBytes(path: string, bytes: number): void {
    if (bytes > this.#limits.maxFileBytes)
      throw new ReadLimitError('fileBytes', bytes, this.#limits.maxFileBytes, path);
    this.#bytes += bytes;
    if (this.#bytes > this.#limits.maxTotalBytes)
      throw new ReadLimitError('totalBytes', this.#bytes, this.#limits.maxTotalBytes, this.#where);
  }
}
