/**
 * A stand-in for PostgREST's insert path, so the Supabase sink can be tested without Docker.
 *
 * It receives exactly the HTTP request supabase-js sends (`POST /rest/v1/<table>?columns=…`
 * with `apikey` and `Authorization` headers and a JSON body) and executes it on the real table
 * the way PostgREST does: one transaction, `SET LOCAL role` from the key, then
 * `INSERT … SELECT … FROM json_to_recordset($1) AS _(<column type>, …)` over the listed columns.
 * An upsert (`?on_conflict=a,b` with `Prefer: resolution=ignore-duplicates`, what supabase-js's
 * `upsert(rows, { onConflict, ignoreDuplicates: true })` sends) adds
 * `ON CONFLICT (a, b) DO NOTHING`; `resolution=merge-duplicates` is refused, as it would need
 * an `update` privilege this stand-in does not model. Errors come back in PostgREST's shape and
 * with its statuses. Functions are called the same way (`POST /rest/v1/rpc/<fn>` with the
 * arguments as a JSON object: {@link callFunction}).
 *
 * @module
 */
/** Runs one SQL statement with positional parameters. */
export interface Queryable {
  query<T extends Record<string, unknown> = Record<string, unknown>>(
    sql: string,
    params?: readonly unknown[],
  ): Promise<T[]>;
}

/** A database that can run a transaction as `service_role`, the way PostgREST does. */
export interface ServiceRoleDatabase {
  asServiceRole<T>(fn: (db: Queryable) => Promise<T>): Promise<T>;
}

/** One request the stand-in received. */
export interface PostgrestCall {
  method: string;
  url: URL;
  headers: Headers;
  body: unknown;
  status: number;
}

/** A fetch-compatible handler plus what it received. */
export interface PostgrestStandIn {
  /** Pass as supabase-js's `global.fetch`, or serve with `Deno.serve`. */
  fetch: typeof fetch;
  handle(request: Request): Promise<Response>;
  readonly calls: PostgrestCall[];
}

/**
 * Creates the stand-in over a migrated test database. `serviceKey` maps to `service_role`;
 * anything else is rejected as PostgREST would.
 */
export function createPostgrestStandIn(
  db: ServiceRoleDatabase,
  options: { serviceKey: string },
): PostgrestStandIn {
  const calls: PostgrestCall[] = [];
  const handle = async (request: Request): Promise<Response> => {
    const url = new URL(request.url);
    const text = await request.text();
    let body: unknown = null;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      return error(400, "PGRST102", "Empty or invalid json");
    }
    const response = await respond(db, options, request, url, body).catch(failure);
    const { method, headers } = request;
    calls.push({ method, url, headers, body, status: response.status });
    return response;
  };
  return {
    calls,
    handle,
    fetch: (input, init) => handle(new Request(input, init)),
  };
}

async function respond(
  db: ServiceRoleDatabase,
  options: { serviceKey: string },
  request: Request,
  url: URL,
  body: unknown,
): Promise<Response> {
  const fn = /^\/rest\/v1\/rpc\/([a-z_][a-z0-9_]*)$/.exec(url.pathname)?.[1];
  const table = /^\/rest\/v1\/([a-z_][a-z0-9_]*)$/.exec(url.pathname)?.[1];
  if (request.method !== "POST" || !(fn || table)) {
    return error(404, "PGRST000", "Not supported by the stand-in");
  }
  const bearer = request.headers.get("authorization")?.replace(/^Bearer /, "");
  if (request.headers.get("apikey") !== options.serviceKey || bearer !== options.serviceKey) {
    return error(401, "PGRST301", "JWSError JWSInvalidSignature");
  }
  if (fn) return await callFunction(db, fn, body);
  const rows = Array.isArray(body) ? body : [body];
  const columns = url.searchParams.get("columns")?.split(",").map((c) => c.replace(/^"|"$/g, "")) ??
    Object.keys(rows[0] ?? {});
  await db.asServiceRole(async (tx) => {
    const types = await columnTypes(tx, table!); // a table when not a function, checked above
    if (!types.size) throw coded("42P01", `relation "public.${table}" does not exist`);
    const unknown = columns.find((c) => !types.has(c));
    if (unknown) throw coded("PGRST204", `Could not find the '${unknown}' column`);
    const list = columns.map((c) => `"${c}"`).join(", ");
    const record = columns.map((c) => `"${c}" ${types.get(c)}`).join(", ");
    await tx.query(
      `insert into public."${table}" (${list}) select ${list} from json_to_recordset($1::text::json) as _(${record})${
        onConflict(url, request.headers, types)
      }`,
      [JSON.stringify(rows)],
    );
  });
  return new Response(null, { status: 201 });
}

/**
 * `POST /rest/v1/rpc/<fn>` as PostgREST runs it: the function of `public` whose input argument
 * names cover the body's keys is called with named arguments, typed from the catalogue, inside
 * one transaction as `service_role`; a set-returning function answers with a JSON array of its
 * rows (`json_agg`, so timestamps and numbers look as PostgREST prints them), any other with its
 * value. An unknown function or argument is a 404 `PGRST202`.
 */
async function callFunction(db: ServiceRoleDatabase, fn: string, body: unknown): Promise<Response> {
  const args = body !== null && typeof body === "object" && !Array.isArray(body)
    ? body as Record<string, unknown>
    : {};
  const names = Object.keys(args);
  const text = await db.asServiceRole(async (tx) => {
    const found = await functionArguments(tx, fn);
    if (!found || names.some((name) => !found.types.has(name))) {
      throw coded("PGRST202", `Could not find the function public.${fn}(${names.join(", ")})`);
    }
    const record = names.map((n) => `"${n}" ${found.types.get(n)}`).join(", ");
    const named = names.map((n) => `"${n}" := _."${n}"`).join(", ");
    const from = names.length
      ? `json_to_record($1::text::json) as _(${record}), lateral public."${fn}"(${named}) as r`
      : `public."${fn}"() as r`;
    const sql = found.returnsSet
      ? `select coalesce(json_agg(r), '[]')::text as body from ${from}`
      : `select to_json(r)::text as body from ${from}`;
    const [row] = await tx.query<{ body: string }>(sql, names.length ? [JSON.stringify(args)] : []);
    return row?.body ?? "null";
  });
  return new Response(text, { status: 200, headers: { "content-type": "application/json" } });
}

/** The input arguments of `public.<fn>` by name, with their types, or `null` if there is none. */
async function functionArguments(
  tx: Queryable,
  fn: string,
): Promise<{ types: Map<string, string>; returnsSet: boolean } | null> {
  const rows = await tx.query<{ returns_set: boolean; name: string | null; type: string | null }>(
    `select p.proretset as returns_set, a.name, format_type(a.type, null) as type
       from pg_proc p
       join pg_namespace ns on ns.oid = p.pronamespace
       left join lateral unnest(
         p.proargnames,
         coalesce(p.proallargtypes, p.proargtypes::oid[]),
         coalesce(p.proargmodes, array_fill('i'::"char", array[cardinality(p.proargnames)]))
       ) as a(name, type, mode) on a.mode in ('i', 'b', 'v')
      where ns.nspname = 'public' and p.proname = $1`,
    [fn],
  );
  if (!rows.length) return null;
  const types = new Map<string, string>();
  for (const row of rows) if (row.name && row.type) types.set(row.name, row.type);
  return { types, returnsSet: rows[0].returns_set };
}

/** The `ON CONFLICT` clause of an upsert, or `""` for a plain insert. */
function onConflict(url: URL, headers: Headers, types: Map<string, string>): string {
  const prefer = (headers.get("prefer") ?? "").split(",").map((p) => p.trim());
  const resolution = prefer.find((p) => p.startsWith("resolution="))?.slice(11);
  const target = url.searchParams.get("on_conflict");
  if (!resolution) return "";
  if (resolution !== "ignore-duplicates") {
    throw coded("PGRST100", `resolution=${resolution} is not supported by the stand-in`);
  }
  if (!target) return " on conflict do nothing";
  const columns = target.split(",").map((c) => c.trim());
  const unknown = columns.find((c) => !types.has(c));
  if (unknown) throw coded("42703", `column "${unknown}" does not exist`);
  return ` on conflict (${columns.map((c) => `"${c}"`).join(", ")}) do nothing`;
}

async function columnTypes(tx: Queryable, table: string): Promise<Map<string, string>> {
  const rows = await tx.query<{ name: string; type: string }>(
    `select a.attname as name, format_type(a.atttypid, a.atttypmod) as type
       from pg_attribute a
      where a.attrelid = to_regclass($1) and a.attnum > 0 and not a.attisdropped`,
    [`public.${table}`],
  );
  return new Map(rows.map((r) => [r.name, r.type]));
}

/**
 * PostgREST's mapping of SQLSTATEs to HTTP statuses, for the codes the sink can meet: class 22
 * and 23 are 400 (23505 and 23503 are 409), 42501 is 403, 53 is 503, and 54 (54000, an index
 * row too large) is a 500 although the row is to blame.
 */
function statusFor(code: string): number {
  if (code === "42501") return 403;
  if (code === "42P01" || code === "PGRST202" || code === "PGRST205") return 404;
  if (code === "23505" || code === "23503") return 409;
  if (code.startsWith("53") || code === "PGRST000") return 503;
  if (code.startsWith("54")) return 500;
  if (code.startsWith("PGRST") || /^(22|23|42)/.test(code)) return 400;
  return 500;
}

function error(status: number, code: string, message: string): Response {
  return Response.json({ code, message, details: null, hint: null }, { status });
}

/** A thrown error (the database's, or one of ours made by {@link coded}) as PostgREST answers it. */
function failure(caught: unknown): Response {
  const code = (caught as { code?: string }).code ?? "XX000";
  return error(statusFor(code), code, (caught as Error).message);
}

function coded(code: string, message: string): Error {
  return Object.assign(new Error(message), { code });
}
