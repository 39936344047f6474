// `tagpilot list-images [--workload ns:kind/name] [--limit N]`: per container of the automated
// workloads (or of the one named), the tags available under its policy newest first, with the
// current tag and the candidate marked. Exit 3 when a scan failed (the other rows still print).
import { Command, Option } from 'commander';
import type { Workload } from '../manifests/index.ts';
import { parseCount } from './check-policy-command.ts';
import { EXIT } from './errors.ts';
import { type ImageListing, type ListingContext, listContainerImages } from './image-listing.ts';
import { addKubeOptions, type KubeOptions, withKube } from './kube-context.ts';
import { locateWorkload } from './locate-workload.ts';
import {
  formatTable,
  type OutputFormat,
  outputOption,
  printResult,
  type Streams,
  truncate,
} from './output.ts';
import { startProgress } from './progress.ts';
import {
  addRegistryOptions,
  dockerConfigFlagCredentials,
  type RegistryOptions,
  registryClient,
} from './registry-options.ts';
import {
  cacheDirOption,
  defaultCacheDir,
  type RepoContext,
  type RepoWorkloads,
  readWorkloads,
} from './repo-context.ts';
import { forEachRepository } from './repo-scope.ts';
import { runAction } from './run-action.ts';
import { parseWorkloadRef } from './workload-ref.ts';

type Options = KubeOptions &
  RegistryOptions & {
    workload?: string;
    gitsync?: string;
    limit: number;
    cacheDir?: string;
    output: OutputFormat;
  };

/** The `list-images` command. */
export function listImagesCommand(streams: Streams): Command {
  const command = new Command('list-images')
    .description('Per container: the current image and the tags available under its policy, newest first')
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
      new Option('--limit <n>', 'tags shown per container (0 = all)').default(10).argParser(parseCount),
    )
    .addOption(cacheDirOption());
  addRegistryOptions(command, "default: the workloads' pull secrets");
  addKubeOptions(command, 'namespace of the GitSync(s) (default: all namespaces)');
  command.addOption(outputOption());
  return command.action(
    runAction(streams, 'list-images', async (options: Options) => {
      const selector = options.workload === undefined ? undefined : parseWorkloadRef(options.workload);
      const cacheDir = options.cacheDir ?? defaultCacheDir(process.env);
      const registry = registryClient(options);
      const progress = startProgress({ stream: streams.stderr, enabled: streams.stdout.isTTY === true });
      try {
        const listings = await withKube(options, async (kube) => {
          const credentials = await dockerConfigFlagCredentials(options);
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
          if (selector) {
            const located = await locateWorkload({ kube, gitsync: options.gitsync, selector, cacheDir });
            try {
              const ctx = listing(located.context, located.found);
              return { rows: await listWorkload(ctx, located.workload), exitCode: EXIT.OK };
            } finally {
              await located.context.close();
            }
          }
          const scope = await forEachRepository({
            kube,
            gitsync: options.gitsync,
            cacheDir,
            streams,
            command: 'list-images',
            step: async (repo) => {
              const found = await readWorkloads(repo);
              const ctx = listing(repo, found);
              const rows: ImageListing[] = [];
              for (const workload of found.workloads.filter((w) => w.automated)) {
                rows.push(...(await listWorkload(ctx, workload)));
              }
              return rows;
            },
          });
          return { rows: scope.results.flat(), exitCode: scope.exitCode };
        });
        progress.stop();
        const { rows } = listings;
        for (const row of rows.filter((r) => r.error !== null)) {
          streams.stderr.write(`tagpilot list-images: ${row.workload} ${row.container}: ${row.error}\n`);
        }
        printResult(streams, options.output, rows, () => imageTable(rows));
        const failed = rows.some((row) => row.error !== null) ? EXIT.REMOTE : EXIT.OK;
        return Math.max(failed, listings.exitCode);
      } finally {
        progress.stop();
        await registry.close();
      }
    }),
  );
}

async function listWorkload(ctx: ListingContext, workload: Workload): Promise<ImageListing[]> {
  const rows: ImageListing[] = [];
  for (const container of workload.containers) rows.push(await listContainerImages(ctx, workload, container));
  return rows;
}

function imageTable(rows: readonly ImageListing[]): string[] {
  if (rows.length === 0) return ['no automated workloads found'];
  const cells: string[][] = [];
  for (const row of rows) {
    const head = [row.workload, row.container, row.repository];
    const policy = row.policy ? ` [${row.policy}]` : '';
    if (row.tags.length === 0) {
      const note = row.error ? `error: ${row.error}` : row.message;
      cells.push([...head, row.currentTag ?? '-', '', truncate(`${note}${policy}`, 100)]);
      continue;
    }
    row.tags.forEach((tag, i) => {
      const marks = [tag.current ? 'current' : '', tag.candidate && row.update ? 'candidate' : ''].filter(
        Boolean,
      );
      const note = marks.length > 0 ? `<- ${marks.join(', ')}` : '';
      const first = i === 0 ? head : ['', '', ''];
      cells.push([
        ...first,
        tag.tag,
        tag.created ?? '',
        i === 0 && policy ? `${note}${policy}`.trim() : note,
      ]);
    });
    if (row.currentTag && !row.tags.some((t) => t.current)) {
      cells.push(['', '', '', row.currentTag, '', '<- current (not a candidate under the policy)']);
    }
  }
  return formatTable(['WORKLOAD', 'CONTAINER', 'IMAGE', 'TAG', 'BUILT', 'NOTE'], cells);
}
