// Every ```ts block of the README type-checks, as a function's index.ts would.
//
// A block is checked as a module sitting in supabase/functions/<name>/, so its
// "../_shared/…" imports resolve to this repository's. A fragment (a few lines out of a handler)
// is preceded by an HTML comment, invisible on GitHub, giving what it needs from around it:
//   <!-- README check: import { llmService } from "../_shared/llm-service.ts"; declare const req: Request -->
// and is then checked as the body of an async function after those declarations.
import assert from "node:assert/strict";
import {
  type ChatCompletion,
  LLMApiError,
  type LLMError,
  LLMTimeoutError,
  LLMValidationError,
} from "../../supabase/functions/_shared/llm-service.ts";

const root = new URL("../../", import.meta.url);
const readme = await Deno.readTextFile(new URL("README.md", root));
const shared = new URL("supabase/functions/_shared/", root).href;

/** The README's ts blocks, each with the context comment before it, if any. */
function typescriptBlocks(markdown: string): { code: string; context?: string }[] {
  const blocks = [...markdown.matchAll(
    /(?:<!-- README check: ([\s\S]*?) -->\n\n)?```ts\n([\s\S]*?)```/g,
  )];
  return blocks.map(([, context, code]) => ({ code, context }));
}

/** The module `deno check` sees for one block. */
function moduleFor(block: { code: string; context?: string }): string {
  const resolved = (text: string) => text.replaceAll('"../_shared/', `"${shared}`);
  if (!block.context) return resolved(block.code);
  return resolved(
    `${block.context}\n\nexport async function readmeBlock() {\n${block.code}}\n`,
  );
}

async function denoCheck(path: string): Promise<{ success: boolean; output: string }> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["check", "--quiet", "--config", new URL("deno.json", root).pathname, path],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const output = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
  return { success: out.success, output };
}

Deno.test("every TypeScript block of the README type-checks", async () => {
  const blocks = typescriptBlocks(readme);
  assert.ok(blocks.length >= 2, "the README's TypeScript blocks were not found");
  const dir = await Deno.makeTempDir({ prefix: "llm-readme-" });
  try {
    const paths = [];
    for (const [i, block] of blocks.entries()) {
      const path = `${dir}/block_${i + 1}.ts`;
      await Deno.writeTextFile(path, moduleFor(block));
      paths.push(path);
    }
    for (const [i, path] of paths.entries()) {
      const { success, output } = await denoCheck(path);
      assert.ok(success, `README TypeScript block ${i + 1} does not type-check:\n${output}`);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the type check catches a README block that would not compile", async () => {
  const dir = await Deno.makeTempDir({ prefix: "llm-readme-" });
  try {
    const path = `${dir}/broken.ts`;
    await Deno.writeTextFile(
      path,
      moduleFor({
        code: "const completion = await llmService.chatCompletion({ messages: [] });\n" +
          "completion.choices[0].message.content;\n",
        context: 'import { llmService } from "../_shared/llm-service.ts";',
      }),
    );
    const { success, output } = await denoCheck(path);
    assert.equal(success, false);
    assert.match(output, /TS(2532|18048)/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

/** The README's first block as a handler, over a service stand-in that answers as told. */
async function readmeHandler(
  answer: () => Promise<ChatCompletion>,
): Promise<(req: Request) => Promise<Response>> {
  const [first] = typescriptBlocks(readme);
  assert.ok(
    first.code.includes("Deno.serve("),
    "the first block is no longer a Deno.serve handler",
  );
  const dir = await Deno.makeTempDir({ prefix: "llm-readme-" });
  // The block's own llmService is swapped for the stand-in; everything else is the real module.
  await Deno.writeTextFile(
    `${dir}/llm-service.ts`,
    `export * from "${shared}llm-service.ts";\n` +
      "export const llmService = (globalThis as any).readmeService;\n",
  );
  await Deno.writeTextFile(
    `${dir}/block.ts`,
    first.code.replaceAll('"../_shared/llm-service.ts"', '"./llm-service.ts"')
      .replace("Deno.serve(", "export const handler = ("),
  );
  (globalThis as Record<string, unknown>).readmeService = { chatCompletion: answer };
  const module = await import(`file://${dir}/block.ts`);
  await Deno.remove(dir, { recursive: true });
  return module.handler;
}

const post = (body: string) =>
  new Request("http://localhost/functions/v1/support-bot", { method: "POST", body });
const messages = JSON.stringify({ messages: [{ role: "user", content: "Hi" }] });
const init = { logId: "0b6f3f4e-4a36-4a8e-9d0e-6a1c9e7f0a11" };

Deno.test("the README's function answers 400 to a body that is not JSON", async () => {
  const handler = await readmeHandler(() => Promise.reject(new Error("not called")));
  const response = await handler(post("{not json"));
  assert.equal(response.status, 400);
  assert.deepEqual(await response.json(), { error: "The body must be JSON" });
});

Deno.test("the README's function maps LLM errors to their real status without leaking", async () => {
  const cases: [LLMError, number, Record<string, string>][] = [
    [
      new LLMValidationError("Invalid request: messages: Too small", {
        ...init,
        issues: [{ field: "messages", message: "Too small" }],
      }),
      400,
      {},
    ],
    [
      new LLMApiError("Rate limit exceeded: free-models-per-min.", {
        ...init,
        type: "rate_limited",
        status: 429,
        retryAfter: 7,
      }),
      429,
      { "retry-after": "7" },
    ],
    [new LLMTimeoutError("No response within 60000 ms", { ...init, type: "timeout" }), 504, {}],
    [
      new LLMApiError("Invalid API key sk-or-v1-abc…", {
        ...init,
        type: "authentication",
        status: 401,
      }),
      502,
      {},
    ],
  ];
  for (const [error, status, headers] of cases) {
    const handler = await readmeHandler(() => Promise.reject(error));
    const response = await handler(post(messages));
    assert.equal(response.status, status, error.type);
    for (const [name, value] of Object.entries(headers)) {
      assert.equal(response.headers.get(name), value, `${error.type}: ${name}`);
    }
    const body = await response.json();
    assert.equal(body.log_id, init.logId);
    if (status >= 500 || status === 429) {
      assert.equal(body.error, "The AI service failed", error.type);
    } else {
      assert.equal(body.error, error.message);
    }
  }
});

Deno.test("the README's function answers the model's reply", async () => {
  const handler = await readmeHandler(() =>
    Promise.resolve({
      id: "gen-1",
      model: "openai/gpt-4o-mini",
      choices: [{ message: { role: "assistant", content: "Hello!" } }],
    })
  );
  const response = await handler(post(messages));
  assert.equal(response.status, 200);
  assert.deepEqual(await response.json(), { reply: "Hello!" });
});
