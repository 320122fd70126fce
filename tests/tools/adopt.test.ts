import assert from "node:assert/strict";
import postgres from "postgres";
import { adopt, AdoptionRefused } from "../../tools/adopt.ts";
import { migrationFiles, supabaseStandInSql } from "../../tools/supabase-local/migrations.ts";

const repo = decodeURIComponent(new URL("../../", import.meta.url).pathname);
const THEIRS = "20261129150000_their_table.sql";

/** A scratch Supabase project that already has a migration newer than ours. */
async function scratchProject(): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "llm-adopt-" });
  await Deno.mkdir(`${dir}/supabase/migrations`, { recursive: true });
  await Deno.writeTextFile(
    `${dir}/supabase/migrations/${THEIRS}`,
    "create table public.their_table (id bigint primary key);\n",
  );
  return dir;
}

/** Every file under `dir`, relative, with its contents. */
async function snapshot(dir: string, prefix = ""): Promise<Record<string, string>> {
  const files: Record<string, string> = {};
  for await (const entry of Deno.readDir(`${dir}/${prefix}`)) {
    const path = `${prefix}${entry.name}`;
    if (entry.isDirectory) Object.assign(files, await snapshot(dir, `${path}/`));
    else files[path] = await Deno.readTextFile(`${dir}/${path}`);
  }
  return files;
}

Deno.test("adopt writes every migration, in order, after the project's newest, and copies the module", async () => {
  const project = await scratchProject();
  try {
    const written = await adopt(project, { now: () => new Date("2026-01-01T00:00:00Z") });
    const ours = await migrationFiles();
    const migrations = written.filter((path) => path.startsWith("supabase/migrations/"));
    // Fresh timestamps, one second apart, after the project's newest (a clock behind it too).
    assert.deepEqual(
      migrations,
      ours.map((file, i) =>
        `supabase/migrations/202611291500${String(i + 1).padStart(2, "0")}_${
          file.name.replace(/^\d{14}_/, "")
        }`
      ),
    );
    for (const [i, file] of ours.entries()) {
      assert.equal(await Deno.readTextFile(`${project}/${migrations[i]}`), file.sql);
    }
    for (const path of ["llm-service.ts", "llm/log-pipeline.ts", "llm/environment.ts"]) {
      const shared = `supabase/functions/_shared/${path}`;
      assert.ok(written.includes(shared), shared);
      assert.equal(
        await Deno.readTextFile(`${project}/${shared}`),
        await Deno.readTextFile(`${repo}${shared}`),
      );
    }
    assert.ok(!written.some((path) => path.includes("_shared/http/")), "http copied unasked");
  } finally {
    await Deno.remove(project, { recursive: true });
  }
});

Deno.test("adopt uses the current time when the project's migrations are older", async () => {
  const project = await scratchProject();
  try {
    const written = await adopt(project, {
      withHttp: true,
      now: () => new Date("2027-03-04T05:06:07.890Z"),
    });
    const first = written.find((path) => path.startsWith("supabase/migrations/"));
    assert.match(first!, /^supabase\/migrations\/20270304050607_llm_call_logs\.sql$/);
    assert.ok(written.includes("supabase/functions/_shared/http/chat-endpoint.ts"));
  } finally {
    await Deno.remove(project, { recursive: true });
  }
});

Deno.test("adopt refuses to overwrite anything and then writes nothing at all", async () => {
  const project = await scratchProject();
  try {
    await Deno.mkdir(`${project}/supabase/functions/_shared/llm`, { recursive: true });
    await Deno.writeTextFile(`${project}/supabase/functions/_shared/llm/errors.ts`, "// mine\n");
    const before = await snapshot(project);
    await assert.rejects(
      adopt(project),
      (error: Error) =>
        error instanceof AdoptionRefused &&
        error.message.includes("nothing was written") &&
        error.message.includes("supabase/functions/_shared/llm/errors.ts"),
    );
    assert.deepEqual(await snapshot(project), before);
  } finally {
    await Deno.remove(project, { recursive: true });
  }
});

Deno.test("adopt again adds only what is missing: what is there, identical, is left as it is", async () => {
  const project = await scratchProject();
  try {
    await adopt(project);
    await Deno.remove(`${project}/supabase/functions/_shared/llm-service.ts`);
    const before = await snapshot(project);
    const second = await adopt(project, { withHttp: true });
    const http = second.filter((path) => path.startsWith("supabase/functions/_shared/http/"));
    assert.ok(http.includes("supabase/functions/_shared/http/caller.ts"));
    // Only the removed file and the new part: no second copy of the migrations.
    assert.deepEqual(
      second.filter((path) => !http.includes(path)),
      ["supabase/functions/_shared/llm-service.ts"],
    );
    const after = await snapshot(project);
    for (const [path, text] of Object.entries(before)) assert.equal(after[path], text, path);
    assert.deepEqual(await adopt(project, { withHttp: true }), []);
  } finally {
    await Deno.remove(project, { recursive: true });
  }
});

Deno.test("adopt refuses a different migration of the same name, and writes nothing", async () => {
  const project = await scratchProject();
  try {
    await adopt(project);
    const [adopted] = (await Array.fromAsync(Deno.readDir(`${project}/supabase/migrations`)))
      .map((entry) => entry.name).filter((name) => name.endsWith("_llm_call_logs.sql"));
    await Deno.writeTextFile(`${project}/supabase/migrations/${adopted}`, "-- edited\n");
    await Deno.remove(`${project}/supabase/functions`, { recursive: true });
    const before = await snapshot(project);
    await assert.rejects(
      adopt(project),
      (error: Error) => /another migration named llm_call_logs\.sql/.test(error.message),
    );
    assert.deepEqual(await snapshot(project), before);
  } finally {
    await Deno.remove(project, { recursive: true });
  }
});

Deno.test("adopt --with-dashboard copies the dashboard function with what it imports, and it type-checks there", async () => {
  const project = await scratchProject();
  try {
    const written = await adopt(project, { withDashboard: true });
    for (
      const path of [
        "supabase/functions/llm-dashboard/index.ts",
        "supabase/functions/_shared/dashboard/client/index.html",
        "supabase/functions/_shared/http/verify-jwt.ts",
      ]
    ) assert.ok(written.includes(path), path);
    const { success, stderr } = await new Deno.Command(Deno.execPath(), {
      args: ["check", "--quiet", "supabase/functions/llm-dashboard/index.ts"],
      cwd: project,
      stderr: "piped",
    }).output();
    assert.ok(success, new TextDecoder().decode(stderr));
  } finally {
    await Deno.remove(project, { recursive: true });
  }
});

Deno.test("adopt refuses a folder that is not a Supabase project", async () => {
  const dir = await Deno.makeTempDir({ prefix: "llm-adopt-" });
  try {
    await assert.rejects(
      adopt(dir),
      /has no supabase\/ folder \(run "supabase init" there first\)/,
    );
    assert.deepEqual(await snapshot(dir), {});
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

// The real thing: the Supabase CLI applies the adopted migrations after the project's own.
const serverUrl = Deno.env.get("DATABASE_URL");
const cli = Deno.env.get("SUPABASE_CLI")?.split(" ").filter(Boolean);
if (!serverUrl || !cli) {
  console.log(
    "adopt.test.ts: CLI check skipped; run with DATABASE_URL=<a PostgreSQL server> and " +
      'SUPABASE_CLI="npx -y supabase@<version>" (.ci/run does)',
  );
}

async function supabase(args: string[], cwd: string, expectSuccess = true): Promise<string> {
  const [command, ...rest] = cli!;
  const out = await new Deno.Command(command, {
    args: [...rest, ...args],
    cwd,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
  assert.equal(out.success, expectSuccess, `supabase ${args.join(" ")}:\n${text}`);
  return text;
}

Deno.test({
  name: "after adopt, supabase db push applies the migrations without --include-all",
  ignore: !serverUrl || !cli,
  async fn() {
    const project = await scratchProject();
    const name = `llm_adopt_${crypto.randomUUID().replaceAll("-", "").slice(0, 12)}`;
    const admin = postgres(serverUrl!, { max: 1, onnotice: () => {} });
    await admin.unsafe(`create database ${name}`);
    const target = new URL(serverUrl!);
    target.pathname = `/${name}`;
    const dbUrl = `${target.href}?sslmode=disable`;
    try {
      const db = postgres(target.href, { max: 1, onnotice: () => {} });
      await db.unsafe(await supabaseStandInSql());
      await db.end();
      await supabase(["db", "push", "--db-url", dbUrl, "--yes"], project); // their own first
      // Copied under their original (older) names, as the README used to say, push refuses.
      const ours = await migrationFiles();
      for (const file of ours) {
        await Deno.writeTextFile(`${project}/supabase/migrations/${file.name}`, file.sql);
      }
      const refused = await supabase(["db", "push", "--db-url", dbUrl, "--yes"], project, false);
      assert.match(refused, /--include-all/);
      for (const file of ours) await Deno.remove(`${project}/supabase/migrations/${file.name}`);

      await adopt(project);
      const pushed = await supabase(["db", "push", "--db-url", dbUrl, "--yes"], project);
      assert.doesNotMatch(pushed, /include-all/);
      const check = postgres(target.href, { max: 1, onnotice: () => {} });
      const [{ applied }] = await check`
        select count(*)::int as applied from supabase_migrations.schema_migrations`;
      const [{ table }] = await check`select to_regclass('public.llm_call_logs')::text as table`;
      await check.end();
      assert.equal(applied, 1 + ours.length);
      assert.equal(table, "llm_call_logs");
    } finally {
      await admin.unsafe(`drop database if exists ${name} with (force)`);
      await admin.end();
      await Deno.remove(project, { recursive: true });
    }
  },
});
