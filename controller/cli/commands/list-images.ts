// `tagpilot list-images [--workload ns:kind/name] [--limit N]`: what `fluxctl list-images` showed,
// per container of the automated workloads (or of the one named): every tag of its repository
// newest first with its build time, the running one and the candidate marked, the policy's verdict
// beside each; exit 3 when a scan failed (the other rows still print).
// Registry, Git and YAML code is loaded when the command runs, not for `--help`.
import { Command, Option } from 'commander';
import type { Workload } from '../../manifests/index.ts';
import { EXIT, runAction } from '../errors.ts';
import {
  addGlobalOptions,
  addRegistryOptions,
  cacheDirFrom,
  type GlobalOptions,
  parseCount,
  type RegistryOptions,
} from '../flags.ts';
import type { ImageListing, ListingContext } from '../image-listing.ts';
import { type KubeContext, withKube } from '../kube-context.ts';
import { formatTable, printResult, type Streams, truncate } from '../output.ts';
import { startProgress } from '../progress.ts';
import type { RepoContext, RepoWorkloads, ScopeResult } from '../repositories.ts';
import { parseWorkloadRef, type WorkloadSelector } from '../workload-ref.ts';

/** The flags of `list-images`. */
export type ListImagesOptions = GlobalOptions &
  RegistryOptions & {
    workload?: string;
    gitsync?: string;
    limit: number;
  };

/** The `list-images` command. */
export function listImagesCommand(streams: Streams): Command {
  const command = new Command('list-images')
    .description(
      "Per container: every tag of its repository newest first with its build time and the policy's verdict; the running tag and the candidate marked",
    )
    .addOption(
      new Option(
        '--workload <ns:kind/name>',
        'only this workload, every container (default: automated workloads)',
      ),
    )
    .addOption(
      new Option('--gitsync <ns/name>', 'the GitSync whose repository is read (default: every GitSync)'),
    )
    .addOption(
      new Option(
        '--limit <n>',
        'tags shown per container, newest first (0 = all; the current tag and the candidate are always shown)',
      )
        .default(10)
        .argParser(parseCount),
    );
  addRegistryOptions(command, "default: the workloads' pull secrets");
  addGlobalOptions(command, 'namespace of the GitSync(s) (default: all namespaces)');
  return command.action(
    runAction(streams, 'list-images', (options: ListImagesOptions) => runListImages(streams, options)),
  );
}

/** Runs the command. */
async function runListImages(streams: Streams, options: ListImagesOptions): Promise<number> {
  const selector = options.workload === undefined ? undefined : parseWorkloadRef(options.workload);
  const { dockerConfigFlagCredentials, registryClient } = await import('../registry-credentials.ts');
  const credentials = await dockerConfigFlagCredentials(options);
  const registry = registryClient(options);
  const progress = startProgress({ stream: streams.stderr, enabled: streams.stdout.isTTY === true });
  try {
    const { results, exitCode } = await withKube(options, (kube) => {
      const listing = (repo: RepoContext, found: RepoWorkloads): ListingContext => ({
        registry,
        client: kube.client,
        repo,
        found,
        flagCredentials: credentials,
        platform: options.platform,
        limit: options.limit,
        onProgress: (text) => progress.update(text),
        warn: (message) => streams.stderr.write(`warning: ${message}\n`),
      });
      return selector === undefined
        ? listAutomated(kube, options, streams, listing)
        : listOne(kube, options, selector, listing);
    });
    progress.stop();
    const rows = results.flat();
    for (const row of rows.filter((r) => r.error !== null)) {
      streams.stderr.write(`tagpilot list-images: ${row.workload} ${row.container}: ${row.error}\n`);
    }
    await printResult(streams, options.output, rows, () => imageTable(rows));
    const failed = rows.some((row) => row.error !== null) ? EXIT.REMOTE : EXIT.OK;
    return Math.max(failed, exitCode);
  } finally {
    progress.stop();
    await registry.close();
  }
}

type Listing = (repo: RepoContext, found: RepoWorkloads) => ListingContext;

async function listOne(
  kube: KubeContext,
  options: ListImagesOptions,
  selector: WorkloadSelector,
  listing: Listing,
): Promise<ScopeResult<ImageListing[]>> {
  const cacheDir = cacheDirFrom(options.cacheDir, process.env);
  const { locateWorkload } = await import('../repositories.ts');
  const located = await locateWorkload({ kube, gitsync: options.gitsync, selector, cacheDir });
  try {
    const rows = await listWorkload(listing(located.context, located.found), located.workload);
    return { results: [rows], exitCode: EXIT.OK };
  } finally {
    await located.context.close();
  }
}

async function listAutomated(
  kube: KubeContext,
  options: ListImagesOptions,
  streams: Streams,
  listing: Listing,
): Promise<ScopeResult<ImageListing[]>> {
  const { forEachRepository, readWorkloads } = await import('../repositories.ts');
  return forEachRepository({
    kube,
    gitsync: options.gitsync,
    cacheDir: cacheDirFrom(options.cacheDir, process.env),
    streams,
    command: 'list-images',
    step: async (repo) => {
      const found = await readWorkloads(repo);
      const rows: ImageListing[] = [];
      for (const workload of found.workloads.filter((w) => w.automated)) {
        rows.push(...(await listWorkload(listing(repo, found), workload)));
      }
      return rows;
    },
  });
}

async function listWorkload(ctx: ListingContext, workload: Workload): Promise<ImageListing[]> {
  const { listContainerImages } = await import('../image-listing.ts');
  const rows: ImageListing[] = [];
  for (const container of workload.containers) rows.push(await listContainerImages(ctx, workload, container));
  return rows;
}

/**
 * The table `fluxctl list-images` showed: per container every tag newest first with its build
 * time, the running one and the candidate marked, and the policy's verdict beside each.
 */
function imageTable(rows: readonly ImageListing[]): string[] {
  if (rows.length === 0) return ['no automated workloads found'];
  const cells: string[][] = [];
  for (const row of rows) {
    const head = [row.workload, row.container, row.repository];
    const policy = row.policy ? `[${row.policy}] ` : '';
    if (row.tags.length === 0) {
      const note = row.error ? `error: ${row.error}` : row.message;
      cells.push([...head, row.currentTag ?? '-', '', '', truncate(`${policy}${note}`, 100)]);
      continue;
    }
    row.tags.forEach((tag, i) => {
      const first = i === 0 ? head : ['', '', ''];
      const verdict = truncate(tag.verdict.message, 80);
      cells.push([
        ...first,
        tag.tag,
        tag.created ?? '-',
        tagMark(row, tag),
        i === 0 ? `${policy}${verdict}` : verdict,
      ]);
    });
    if (row.currentTag && !row.tags.some((t) => t.current)) {
      cells.push(['', '', '', row.currentTag, '-', '<- current', 'no longer listed by the registry']);
    }
  }
  return formatTable(['WORKLOAD', 'CONTAINER', 'IMAGE', 'TAG', 'BUILT', 'MARK', 'VERDICT'], cells);
}

/** `<- current`, `<- candidate` (the tag automation moves to), both, or nothing. */
function tagMark(row: ImageListing, tag: ImageListing['tags'][number]): string {
  const marks: string[] = [];
  if (tag.current) marks.push('current');
  if (tag.candidate && row.update) marks.push(row.locked ? 'candidate (locked: held back)' : 'candidate');
  return marks.length > 0 ? `<- ${marks.join(', ')}` : '';
}
