import assert from "node:assert/strict";

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
      "writer throughput, PostgreSQL server",
      "writer throughput, PGlite",
    ]
  ) {
    assert.ok(bench.includes(group), `missing group "${group}"`);
  }
  const metrics = await run(["run", "--allow-all", "bench/process_metrics.ts"]);
  assert.match(metrics, /cold start, importing llm-service\.ts/);
  assert.match(metrics, /peak RSS, 4 streams × 50 chunks, streamCompletion/);
});
