/**
 * What some registries do differently from the distribution spec, each with where it is written
 * down (as Renovate's docker datasource does). Only the distribution registry runs in tests here;
 * these are unit-tested for the shape of the requests they produce.
 *
 * - Quay caps `n` of `GET /v2/<name>/tags/list` at 100 tags a page (quay/quay
 *   `endpoints/v2/__init__.py`: `_MAX_RESULTS_PER_PAGE = max(V2_PAGINATION_SIZE, 100)` and
 *   `limit = max(min(requested_limit, _MAX_RESULTS_PER_PAGE), 1)`), and its `Link` is an absolute
 *   URL with a `next_page` token; asking for 100 keeps the request what the answer will be, and the
 *   page cap scales so that the tag cap, not the page cap, is what stops a huge repository.
 * - Amazon ECR answers at most 1,000 results a page (docs.aws.amazon.com/AmazonECR/latest/APIReference
 *   `API_ListImages.html`, `maxResults`: "Valid Range: Minimum value of 1. Maximum value of 1000";
 *   Renovate `lib/modules/datasource/docker/index.ts`: "AWS ECR limits the maximum number of
 *   results to 1000").
 * - Docker Hub: one-component names live under `library/` (reference.ts: `nginx` is
 *   `docker.io/library/nginx`), its API is `registry-1.docker.io`, and a manifest GET counts as a
 *   pull while a HEAD does not (docs.docker.com/docker-hub/usage/pulls/, on checking the limit:
 *   a GET of a manifest emulates a pull and counts, a HEAD does not); pulls left are announced in `ratelimit-remaining`
 *   (request-events.ts).
 * - JFrog Artifactory: the `Link` of a tags page drops the virtual repository's key from the path
 *   (JFrog issue RTFACT-18971; Renovate `lib/modules/datasource/docker/index.ts`: "Artifactory bug:
 *   next link comes back without virtual-repo prefix"), so following it would ask for another
 *   repository. Artifactory answers carry `X-JFrog-Version` / `X-Artifactory-Id`; for those (and
 *   for any next link whose path is not the tags list we asked for) only the link's `last` is kept,
 *   on our own path and page size (`artifactoryNextPage`).
 * - Harbor 2.x serves `/v2/<name>/tags/list` from its database and writes a standard next link,
 *   `</v2/<name>/tags/list?last=<tag>&n=<n>>; rel="next"` (goharbor/harbor
 *   `src/server/registry/util/util.go`, `SetLinkHeader`), tags sorted by name: followed as is.
 * - GHCR (`ghcr.io`) hands anonymous pull tokens for public images through the standard token flow
 *   (401 with `Bearer realm="https://ghcr.io/token",service="ghcr.io",scope=…`, then a token GET
 *   without credentials), and lists tags oldest first with standard next links, so every page is
 *   read (Renovate: "GHCR sorts from oldest to newest, so we need to get all pages"). A credential
 *   the token endpoint refuses is an error, not a silent fall back to anonymous.
 */

/**
 * Tags the first page asks for when nothing else is said: one large page, so a repository of up to
 * 10,000 tags is one request where the registry allows it (distribution serves `n` as asked); a
 * registry that answers fewer says so with `Link`, which is followed as it is written.
 */
export const DEFAULT_TAG_PAGE_SIZE = 10_000;

const QUAY_PAGE = 100;
const ECR_PAGE = 1000;

/** `*.dkr.ecr.<region>.amazonaws.com` (and `.com.cn`), and ECR Public. */
const ECR_HOST = /^\d+\.dkr\.ecr(?:-fips)?\.[a-z0-9-]+\.amazonaws\.com(?:\.cn)?$/;

/** The most tags a page of this registry host returns, when it caps `n`; undefined for no known cap. */
export function tagPageCap(registry: string): number | undefined {
  const host = registry.toLowerCase();
  if (host === 'quay.io' || host.endsWith('.quay.io')) return QUAY_PAGE;
  if (ECR_HOST.test(host) || host === 'public.ecr.aws') return ECR_PAGE;
  return undefined;
}

/** The `n` to ask for: the requested size (default 10,000), never above the host's cap. */
export function tagPageSize(registry: string, requested: number | undefined): number {
  const size = Math.max(1, requested ?? DEFAULT_TAG_PAGE_SIZE);
  const cap = tagPageCap(registry);
  return cap === undefined ? size : Math.min(size, cap);
}

/** Whether manifest GETs are counted as pulls against a rate limit (Docker Hub), so HEADs go first. */
export function countsPulls(registry: string): boolean {
  const host = registry.toLowerCase();
  return host === 'docker.io' || host === 'registry-1.docker.io' || host === 'index.docker.io';
}

/** Whether a registry answer comes from JFrog Artifactory (it names itself in these headers). */
export function isArtifactory(headers: Readonly<Record<string, string | string[] | undefined>>): boolean {
  return headers['x-jfrog-version'] !== undefined || headers['x-artifactory-id'] !== undefined;
}

/**
 * The next tags page for a link that cannot be followed as given (Artifactory's link without the
 * virtual repository's key, see above): our current path with `last` taken from the link. Undefined
 * when the link has no `last`, i.e. there is no way to continue on our path.
 */
export function artifactoryNextPage(currentPath: string, link: URL): string | undefined {
  const last = link.searchParams.get('last');
  if (last === null) return undefined;
  const current = new URL(currentPath, 'http://x');
  current.searchParams.set('last', last);
  return current.pathname + current.search;
}
