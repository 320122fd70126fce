import assert from "node:assert/strict";
import { llmService } from "../../supabase/functions/_shared/llm-service.ts";
import { startOpenRouterSimulator } from "../../tools/openrouter-simulator/mod.ts";
import { createPostgrestStandIn } from "../../tools/supabase-local/postgrest-stand-in.ts";
import { openTestDatabase } from "../harness/database.ts";

Deno.test("llmService, configured from the environment on first use, answers and logs through supabase-js", async () => {
  await using db = await openTestDatabase();
  await using sim = await startOpenRouterSimulator();
  const serviceKey = "sb_secret_default_service_test_0123456789";
  const postgrest = createPostgrestStandIn(db, { serviceKey });
  const supabase = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    postgrest.handle,
  );
  const env = {
    OPENROUTER_API_KEY: "sk-or-v1-default-service-test-key",
    OPENROUTER_BASE_URL: sim.url,
    SUPABASE_URL: `http://127.0.0.1:${supabase.addr.port}`,
    SUPABASE_SECRET_KEYS: JSON.stringify({ default: serviceKey }),
  };
  const saved = Object.fromEntries(Object.keys(env).map((name) => [name, Deno.env.get(name)]));
  try {
    for (const [name, value] of Object.entries(env)) Deno.env.set(name, value);
    const messages = [{ role: "user" as const, content: "Hello from an existing caller" }];
    // Exactly as callers already write it: a request, no context.
    const completion = await llmService.chatCompletion({
      model: "openai/gpt-4o-mini",
      messages,
      temperature: 0.7,
    });
    assert.deepEqual(
      completion,
      JSON.parse(new TextDecoder().decode(sim.exchanges[0].sentBytes())),
    );
    await llmService.flush();
    const rows = await db.query<{ status: string; generation_id: string; temperature: string }>(
      `select status, generation_id, request_params ->> 'temperature' as temperature
         from llm_call_logs`,
    );
    assert.deepEqual(rows, [{
      status: "completed",
      generation_id: completion.id,
      temperature: "0.7",
    }]);
    assert.equal(postgrest.calls[0].headers.get("apikey"), serviceKey);
  } finally {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) Deno.env.delete(name);
      else Deno.env.set(name, value);
    }
    await supabase.shutdown();
  }
});
