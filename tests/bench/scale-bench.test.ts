import assert from "node:assert/strict";

const url = Deno.env.get("DATABASE_URL");

// Never a timed assertion: this proves that bench:scale still loads, runs every case and prints
// its tables, at a size CI can afford.
Deno.test({
  name: "deno task bench:scale runs every case on a small table",
  ignore: !url,
  async fn() {
    const { success, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
      args: ["run", "--allow-all", "bench/scale.ts", "--rows", "3000"],
      env: { NO_COLOR: "1" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const out = new TextDecoder().decode(stdout);
    assert.ok(success, out + new TextDecoder().decode(stderr));
    assert.match(out, /\| query \(3,000 rows\) \| as \| ms \| rows out \|/);
    for (
      const name of [
        "README: cost by model, 24 hours (raw)",
        "user: latest 20 calls, user_id=eq.<id>",
        "llm_usage_by_user limit 50",
        "storage report (llm_call_logs_storage)",
        "retention: drop the months past 12 (rolled back)",
        "10,000 users, 20 models",
      ]
    ) {
      assert.ok(out.includes(`| ${name} |`), `missing "${name}"`);
    }
  },
});

Deno.test({
  name: "bench/filter-indexes.ts times the filtered calls page and the inserts, with and without",
  ignore: !url, // it starts its own throwaway server: run where the suite has PostgreSQL
  async fn() {
    const { success, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
      args: ["run", "--allow-all", "bench/filter-indexes.ts", "3000"],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const out = new TextDecoder().decode(stdout);
    assert.ok(success, out + new TextDecoder().decode(stderr));
    assert.match(out, /\| 3,000 rows, median ms \| with the indexes \| without \|/);
    assert.match(out, /\| calls page, model = 'vendor\/rare' \| [\d.]+ \| [\d.]+ \|/);
    assert.match(out, /\| 500-row insert batch \| [\d.]+ \| [\d.]+ \|/);
  },
});

if (!url) {
  console.log("bench:scale test skipped: set DATABASE_URL=postgres://… to run it against a server");
}
