import assert from "node:assert/strict";
import { findPostgresBinDir } from "../../tools/throwaway-postgres.ts";

// Benchmarks are never timed assertions here: this only proves the suites still run, once each.
async function run(args: string[]): Promise<string> {
  const { success, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args,
    env: { BENCH_QUICK: "1", NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(stdout) + new TextDecoder().decode(stderr);
  assert.ok(success, text);
  return text;
}

Deno.test("the benchmark suites still run (one iteration each)", async () => {
  const bench = await run(["bench", "--allow-all", "bench/"]);
  for (
    const group of [
      "chatCompletion, per call",
      "streamCompletion, 2,000 chunks",
      "stream, time to first byte",
      "writer throughput, PGlite",
    ]
  ) {
    assert.ok(bench.includes(group), `missing group "${group}"`);
  }
  // The server group needs DATABASE_URL or an installed PostgreSQL; without, one line says so.
  if (Deno.env.get("DATABASE_URL") || findPostgresBinDir()) {
    assert.ok(bench.includes("writer throughput, PostgreSQL server"), "missing the server group");
  } else {
    assert.match(bench, /writer throughput, PostgreSQL server: skipped .*DATABASE_URL=/);
  }
  const metrics = await run(["run", "--allow-all", "bench/process-metrics.ts"]);
  assert.match(metrics, /cold start, importing llm-service\.ts/);
  assert.match(metrics, /peak RSS, 4 streams × 50 chunks, streamCompletion/);
});
