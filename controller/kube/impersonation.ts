/**
 * Who a request is made as. A GitSync acts with the rights of its ServiceAccount: the controller
 * sends `Impersonate-User` / `Impersonate-Group` headers, and the API server checks that the
 * controller may impersonate (RBAC verb `impersonate`) and then authorizes the request as that
 * identity, exactly as if the ServiceAccount's token had been used.
 */

/** An identity to act as. */
export interface Impersonation {
  /** The user name, e.g. `system:serviceaccount:team-a:deployer`. */
  user: string;
  /** Its groups; sent as one `Impersonate-Group` header each. */
  groups: readonly string[];
}

/**
 * ServiceAccount `namespace/name` as the API server knows it: user
 * `system:serviceaccount:<ns>:<name>`, and no groups sent. Without `Impersonate-Group` headers the
 * API server adds exactly the groups a token of that account would have (`system:serviceaccounts`,
 * `system:serviceaccounts:<ns>`, `system:authenticated`) and asks only for `impersonate` on
 * `serviceaccounts`; sending them would need `impersonate` on `groups`, which cannot be limited to
 * per-namespace groups and would also allow impersonating `system:masters`.
 */
export function serviceAccountIdentity(namespace: string, name: string): Impersonation {
  return { user: `system:serviceaccount:${namespace}:${name}`, groups: [] };
}
