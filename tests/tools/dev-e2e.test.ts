/**
 * `deno task dev` end to end, in-process through `startDev`: real worker processes, the gateway,
 * the simulator and a PGlite database in a temp folder, always (with or without DATABASE_URL:
 * dev's local database is PGlite by design). Rows are read back the way `deno task logs` reads
 * them: found through the dev state file, over the wire port, with `runLogQueries`.
 */
import assert from "node:assert/strict";
import postgres from "postgres";
import { devConfig } from "../../tools/dev/main.ts";
import { type DevServer, startDev } from "../../tools/dev/start-dev.ts";
import { type LogReport, runLogQueries } from "../../tools/log-report.ts";
import { openLogSource } from "../../tools/logs.ts";
import { migrationFiles } from "../../tools/supabase-local/migrations.ts";

const hello = (model: string) => ({ model, messages: [{ role: "user", content: "Hello" }] });

async function withDev(fn: (dev: DevServer, dataDir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "llm-dev-e2e-" });
  const dataDir = `${dir}/pglite`;
  const output: string[] = [];
  // Explicit modes: OPENROUTER_API_KEY or SUPABASE_URL in the outer environment change nothing.
  const dev = await startDev({
    port: 0,
    dbPort: 0,
    dataDir,
    supabase: null,
    openRouter: null,
    log: (line) => output.push(line),
  });
  try {
    await fn(dev, dataDir);
  } catch (error) {
    console.error(output.join("\n"));
    throw error;
  } finally {
    await dev.close();
    await Deno.remove(dir, { recursive: true });
  }
}

function post(dev: DevServer, name: string, body: string, headers = {}): Promise<Response> {
  return fetch(`${dev.url}/functions/v1/${name}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body,
  });
}

/** Reads an SSE body to `data: [DONE]`; returns the text. */
async function readToDone(response: Response): Promise<string> {
  let text = "";
  for await (const chunk of response.body!.pipeThrough(new TextDecoderStream())) {
    text += chunk;
    if (text.includes("data: [DONE]")) break;
  }
  return text;
}

/** `promise`, or a rejection after `ms`: a buffering bug must fail the test, not hang it. */
async function within<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => timer = setTimeout(() => reject(new Error(message)), ms)),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** Polls `deno task logs`' queries until `done` holds, for up to ten seconds. */
async function pollReport(dataDir: string, done: (r: LogReport) => boolean): Promise<LogReport> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    await using source = await openLogSource({ dataDir });
    const report = await runLogQueries(source.client, { limit: 50, since: "1 hour" });
    if (done(report) || Date.now() > deadline) return report;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

Deno.test("deno task dev serves both functions and logs every outcome, a cancelled stream included", async () => {
  await withDev(async (dev, dataDir) => {
    assert.deepEqual(dev.functions.map((f) => f.name), ["chat", "chat-stream", "llm-dashboard"]);
    assert.equal(dev.appliedMigrations.length >= 3, true);

    const chat = await post(dev, "chat", JSON.stringify(hello("e2e/chat")));
    assert.equal(chat.status, 200);
    const completion = await chat.json();
    assert.equal(completion.object, "chat.completion");
    assert.match(completion.choices[0].message.content, /Hello/);

    // The dashboard's sample user, signed in through dev's local sign-in, is the call's user.
    const signIn = await fetch(`${dev.url}/dev/sign-in?as=user`, { method: "POST" });
    const session = await signIn.json();
    const asUser = await post(dev, "chat", JSON.stringify(hello("e2e/as-user")), {
      authorization: `Bearer ${session.access_token}`,
    });
    assert.equal(asUser.status, 200);
    await asUser.body?.cancel();

    const stream = await post(dev, "chat-stream", JSON.stringify(hello("e2e/stream")));
    assert.equal(stream.status, 200);
    assert.match(stream.headers.get("content-type")!, /text\/event-stream/);
    const streamLogId = stream.headers.get("x-llm-log-id");
    assert.match(await readToDone(stream), /"object":"chat.completion.chunk"/);

    // The first chunk arrives although the stream never ends: nothing buffers it, not even
    // for a client that accepts gzip. Cancelling it must reach the function.
    const hang = await post(dev, "chat-stream", JSON.stringify(hello("sim/stream-hang")), {
      "accept-encoding": "gzip, deflate, br",
    });
    const hangLogId = hang.headers.get("x-llm-log-id");
    const reader = hang.body!.getReader();
    const firstRead = await within(reader.read(), 5_000, "The first chunk was held back");
    const first = new TextDecoder().decode(firstRead.value);
    assert.match(first, /OPENROUTER PROCESSING|data: /);
    await reader.cancel();

    const invalidJson = await post(dev, "chat", "{not json");
    assert.equal(invalidJson.status, 400);
    assert.equal((await invalidJson.json()).error.type, "invalid_json");

    const empty = await post(dev, "chat", JSON.stringify({ model: "e2e/empty", messages: [] }));
    assert.equal(empty.status, 400);
    const emptyBody = await empty.json();
    assert.equal(emptyBody.error.type, "invalid_request");

    const limited = await post(dev, "chat", JSON.stringify(hello("sim/error-429")));
    assert.equal(limited.status, 429);
    assert.ok(Number(limited.headers.get("retry-after")) > 0);
    const limitedBody = await limited.json();
    assert.equal(limitedBody.error.type, "rate_limited");

    const preflight = await fetch(`${dev.url}/functions/v1/chat`, { method: "OPTIONS" });
    assert.equal(preflight.status, 204);
    assert.equal(preflight.headers.get("access-control-allow-origin"), "*");
    await preflight.body?.cancel();
    const subpath = await fetch(`${dev.url}/functions/v1/chat/any/path?x=1`);
    assert.equal(subpath.status, 405, "subpaths reach the function, which only takes POST");
    assert.equal((await subpath.json()).error.type, "method_not_allowed");

    const missing = await post(dev, "no-such-function", "{}");
    assert.equal(missing.status, 404);
    await missing.body?.cancel();

    const find = (r: LogReport, test: (row: LogReport["recent_calls"][number]) => boolean) =>
      r.recent_calls.find(test);
    const expected = {
      chat: (r: LogReport) =>
        find(
          r,
          (c) => c.model === "e2e/chat" && c.status === "completed" && c.edge_function === "chat",
        ),
      asUser: (r: LogReport) => find(r, (c) => c.model === "e2e/as-user"),
      stream: (r: LogReport) => find(r, (c) => c.id === streamLogId && c.status === "completed"),
      cancelled: (r: LogReport) => find(r, (c) => c.id === hangLogId && c.status === "cancelled"),
      invalid: (r: LogReport) => find(r, (c) => c.id === emptyBody.error.log_id),
      limited: (r: LogReport) => find(r, (c) => c.id === limitedBody.error.log_id),
    };
    const report = await pollReport(
      dataDir,
      (r) => Object.values(expected).every((found) => found(r)),
    );
    const missingRows = Object.entries(expected).filter(([, found]) => !found(report));
    assert.deepEqual(missingRows.map(([name]) => name), [], JSON.stringify(report, null, 2));

    assert.equal(expected.asUser(report)!.user_id, session.user.id);
    assert.equal(expected.chat(report)!.user_id, null);
    const streamRow = expected.stream(report)!;
    assert.equal(streamRow.edge_function, "chat-stream");
    assert.equal(streamRow.method_type, "stream_completion");
    assert.equal(expected.cancelled(report)!.edge_function, "chat-stream");
    const invalid = expected.invalid(report)!;
    assert.equal(invalid.status, "failed");
    assert.match(invalid.error_message!, /messages/);
    const limitedRow = expected.limited(report)!;
    assert.equal(limitedRow.status, "failed");
    assert.equal(limitedRow.http_status, 429);
    assert.ok(report.cost_by_model.some((m) => m.model === "e2e/chat" && Number(m.cost_usd) > 0));
    assert.ok(report.error_analysis.some((e) => e.model === "sim/error-429" && e.failures === 1));
  });
});

Deno.test("deno task dev keeps its database: a restart applies no migration, a second dev is refused", async () => {
  const dir = await Deno.makeTempDir({ prefix: "llm-dev-restart-" });
  const options = { port: 0, dbPort: 0, dataDir: `${dir}/pglite`, log: () => {} };
  try {
    const first = await startDev(options);
    assert.ok(first.appliedMigrations.length >= 3);
    await assert.rejects(startDev(options), /Another deno task dev .* is using/);
    await first.close();

    const second = await startDev(options);
    try {
      assert.deepEqual(second.appliedMigrations, []);
      const sql = postgres(second.dbUrl!, { max: 1, prepare: false, onnotice: () => {} });
      const versions = await sql`select version, name from supabase_migrations.schema_migrations`;
      await sql.end();
      // Every migration of the folder, whatever other work adds to it.
      const expected = (await migrationFiles()).map((file) =>
        file.name.replace(/^\d{14}_/, "").replace(/\.sql$/, "")
      );
      assert.deepEqual(versions.map((v) => v.name).sort(), expected.sort());
    } finally {
      await second.close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the dev database serves several wire clients at once without mixing their statements", async () => {
  await withDev(async (dev) => {
    const clients = [1, 2, 3].map(() =>
      postgres(dev.dbUrl!, { max: 1, prepare: false, onnotice: () => {} })
    );
    try {
      const mixed: string[] = [];
      await Promise.all(clients.map(async (sql, n) => {
        for (let i = 0; i < 40; i++) {
          const [row] = await sql.unsafe(`select $1::int as asked, ${n} as client`, [i]);
          if (row.asked !== i || row.client !== n) mixed.push(JSON.stringify(row));
        }
      }));
      // A transaction holds the session: the other client waits instead of joining it.
      let other: Promise<{ n: number }[]> | undefined;
      await clients[0].begin(async (tx) => {
        await tx`create temporary table probe (n int)`;
        other = clients[1]<{ n: number }[]>`
          select count(*)::int as n from pg_class where relname = 'probe'`.execute();
        await new Promise((resolve) => setTimeout(resolve, 50));
        await tx`drop table probe`;
      });
      const [seen] = await other!;
      if (seen.n !== 0) mixed.push("the other client saw the open transaction");
      assert.deepEqual(mixed, []);
    } finally {
      await Promise.all(clients.map((sql) => sql.end()));
    }
  });
});

Deno.test("devConfig picks the real services only when their keys are set", () => {
  const local = devConfig([], {});
  assert.equal(local.options.supabase, null);
  assert.equal(local.options.openRouter, null);
  assert.equal(local.options.port, 54321);
  assert.equal(local.options.dbPort, 54322);

  const real = devConfig(["--port=8000", "--db-port", "8001"], {
    OPENROUTER_API_KEY: "sk-or-v1-x",
    SUPABASE_URL: "https://abc.supabase.co/",
    SUPABASE_SECRET_KEYS: '{"default":"sb_secret_abc"}',
    SUPABASE_SERVICE_ROLE_KEY: "legacy",
  });
  assert.deepEqual(real.options.openRouter, { apiKey: "sk-or-v1-x", baseUrl: undefined });
  assert.deepEqual(real.options.supabase, {
    url: "https://abc.supabase.co",
    serviceKey: "sb_secret_abc",
  });
  assert.equal(real.options.port, 8000);
  assert.equal(real.options.dbPort, 8001);

  const half = devConfig([], { SUPABASE_URL: "https://abc.supabase.co", DEV_PORT: "9000" });
  assert.equal(half.options.supabase, null);
  assert.equal(half.options.port, 9000);
  assert.match(half.notes[0], /logging to the local database/);
  assert.throws(() => devConfig(["--port", "http"], {}), RangeError);
  assert.throws(() => devConfig(["--verbose"], {}), /Unknown argument/);
});
