import assert from "node:assert/strict";

// Not a timed assertion: this only proves the end-to-end benchmark still runs, tiny, and prints
// every row of its table with a figure for each side.
Deno.test("the end-to-end benchmark still runs and prints every row", async () => {
  const { success, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", "bench/end-to-end.ts"],
    env: { BENCH_QUICK: "1", NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(stdout);
  assert.ok(success, text + new TextDecoder().decode(stderr));
  for (
    const row of [
      /chat call, to the parsed JSON( +[\d.]+ ms){4}( +[\d.]+× \([\d. /]+\)){3}/,
      /stream, 2,000 chunks, to the last byte( +[\d.]+ ms){4}( +[\d.]+× \([\d. /]+\)){3}/,
      /stream, time to first byte( +[\d.]+ ms){4} +[+-][\d.]+ ms +[+-][\d.]+ ms/,
      /handler peak RSS, 4 streams × 50 chunks at once( +[\d.]+ MB){2} +[\d.]+ MB( +[\d.]+×){2}/,
    ]
  ) {
    assert.match(text, row);
  }
});
