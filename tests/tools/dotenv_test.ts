import assert from "node:assert/strict";
import { loadDotenvFiles, parseDotenv } from "../../tools/dev/dotenv.ts";

Deno.test("parseDotenv reads KEY=VALUE lines, skipping comments and blank lines", () => {
  const text = [
    "# OpenRouter",
    "OPENROUTER_API_KEY=sk-or-v1-abc",
    "",
    "export DEV_PORT = 8000 ",
    "   # indented comment",
    "not a pair",
  ].join("\n");
  assert.deepEqual(parseDotenv(text), { OPENROUTER_API_KEY: "sk-or-v1-abc", DEV_PORT: "8000" });
});

Deno.test("parseDotenv unquotes values and keeps what quotes protect", () => {
  const text = [
    `DOUBLE="two words # not a comment"`,
    `SINGLE='raw \\n stays'`,
    `ESCAPES="line\\nnext \\"quoted\\" back\\\\slash"`,
    `JSON={"default":"sb_secret_x"}`,
    `SECRET_KEYS='{"default":"sb_secret_y"}'`,
    `TRAILING=value # comment`,
    `HASH=abc#def`,
    `EMPTY=`,
  ].join("\r\n");
  assert.deepEqual(parseDotenv(text), {
    DOUBLE: "two words # not a comment",
    SINGLE: "raw \\n stays",
    ESCAPES: 'line\nnext "quoted" back\\slash',
    JSON: '{"default":"sb_secret_x"}',
    SECRET_KEYS: '{"default":"sb_secret_y"}',
    TRAILING: "value",
    HASH: "abc#def",
    EMPTY: "",
  });
});

Deno.test("parseDotenv lets a later line win and ignores a byte order mark", () => {
  assert.deepEqual(parseDotenv("\uFEFFA=1\nA=2\n"), { A: "2" });
});

Deno.test("loadDotenvFiles merges files in order and skips missing ones", async () => {
  const dir = await Deno.makeTempDir({ prefix: "dotenv-test-" });
  try {
    await Deno.writeTextFile(`${dir}/.env`, "A=from-root\nB=from-root\n");
    await Deno.writeTextFile(`${dir}/functions.env`, "B=from-functions\n");
    const merged = await loadDotenvFiles([
      `${dir}/.env`,
      `${dir}/missing.env`,
      `${dir}/functions.env`,
    ]);
    assert.deepEqual(merged, { A: "from-root", B: "from-functions" });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
