import assert from "node:assert/strict";
import { readEnvironment } from "../../tools/environment.ts";

Deno.test("readEnvironment layers .env, then supabase/functions/.env, then the real environment", async () => {
  const root = await Deno.makeTempDir({ prefix: "llm-dev-env-" });
  try {
    const rootUrl = new URL(`file://${root}/`);
    assert.deepEqual(await readEnvironment(rootUrl, { PATH: "/bin" }), { PATH: "/bin" });
    await Deno.mkdir(`${root}/supabase/functions`, { recursive: true });
    await Deno.writeTextFile(
      `${root}/.env`,
      '# a comment\nDATABASE_URL=postgres://a\nOPENROUTER_API_KEY="sk-or-v1-root"\nDEV_PORT=1\n',
    );
    await Deno.writeTextFile(
      `${root}/supabase/functions/.env`,
      "export OPENROUTER_API_KEY=sk-or-v1-functions # the functions' key\n" +
        `SUPABASE_SECRET_KEYS='{"default":"sb_secret_x"}'\nDEV_PORT=2\n`,
    );
    assert.deepEqual(await readEnvironment(rootUrl, { DEV_PORT: "3" }), {
      DATABASE_URL: "postgres://a",
      OPENROUTER_API_KEY: "sk-or-v1-functions",
      SUPABASE_SECRET_KEYS: '{"default":"sb_secret_x"}',
      DEV_PORT: "3",
    });
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
