import assert from "node:assert/strict";
import {
  type LLMCallLogRow,
  LLMCancelledError,
  LLMError,
  LLMValidationError,
} from "../../supabase/functions/_shared/llm-service.ts";
import { LOG_COLUMNS } from "../../supabase/functions/_shared/llm/internal.ts";
import { openServiceHarness } from "../harness/service.ts";

const messages = [{ role: "user" as const, content: "Hello" }];

/** The rejection of a call that must fail, with its row from the table. */
async function rejectedWithRow(
  h: Awaited<ReturnType<typeof openServiceHarness>>,
  call: () => Promise<unknown>,
) {
  const error = await call().then(() => assert.fail("the call succeeded"), (e) => e);
  assert.ok(error instanceof LLMError, `rejected with ${error?.name}: ${error?.message}`);
  await h.service.flush();
  const rows = await h.rows();
  assert.equal(h.fallback.length, 0, "nothing was printed instead of stored");
  assert.equal(rows.length, 1, "exactly one row");
  assert.equal(rows[0].id, error.logId);
  return { error, row: rows[0] };
}

for (const method of ["chatCompletion", "streamCompletion"] as const) {
  Deno.test(`${method}: a context.signal that is not an AbortSignal is a validation error with a row`, async () => {
    await using h = await openServiceHarness();
    const { error, row } = await rejectedWithRow(
      h,
      () => h.service[method]({ messages }, { signal: { aborted: false } as never }),
    );
    assert.ok(error instanceof LLMValidationError);
    assert.equal(error.field, "context.signal");
    assert.equal(row.error_type, "invalid_request");
    assert.deepEqual(row.request_messages, messages);
    assert.equal(h.sim.exchanges.length, 0, "nothing was sent");
  });
}

Deno.test("a request whose getter throws is a validation error with a row", async () => {
  await using h = await openServiceHarness();
  const request = {
    model: "openai/gpt-4o-mini",
    messages,
    get temperature(): number {
      throw new Error("getter exploded");
    },
  };
  const { error, row } = await rejectedWithRow(h, () => h.service.chatCompletion(request));
  assert.ok(error instanceof LLMValidationError);
  assert.match(error.message, /getter exploded/);
  assert.equal(row.model, "openai/gpt-4o-mini");
  assert.deepEqual(row.request_messages, messages);
  assert.deepEqual(row.request_params, {
    model: "openai/gpt-4o-mini",
    temperature: "[unreadable: getter exploded]",
  });
});

Deno.test("a Proxy as metadata whose traps throw is a validation error with a row", async () => {
  await using h = await openServiceHarness();
  const trap = () => {
    throw new Error("trap sprung");
  };
  const metadata = new Proxy({}, { ownKeys: trap, get: trap, getOwnPropertyDescriptor: trap });
  const { error, row } = await rejectedWithRow(
    h,
    () => h.service.chatCompletion({ messages }, { metadata, userId: "user_1" }),
  );
  assert.ok(error instanceof LLMValidationError);
  assert.equal(error.field, "context.metadata");
  assert.deepEqual(row.metadata, {});
  assert.equal(row.user_id, "user_1");
});

Deno.test("a userId whose toString throws is a validation error with a row", async () => {
  await using h = await openServiceHarness();
  const userId = {
    toString(): string {
      throw new Error("no string for you");
    },
  };
  const { error, row } = await rejectedWithRow(
    h,
    () => h.service.chatCompletion({ messages }, { userId: userId as never, requestId: "req_1" }),
  );
  assert.ok(error instanceof LLMValidationError);
  assert.equal(error.field, "context.userId");
  assert.equal(row.user_id, null);
  assert.equal(row.request_id, "req_1");
});

Deno.test("a context whose every getter throws is a validation error with a row", async () => {
  await using h = await openServiceHarness();
  const context = new Proxy({}, {
    get() {
      throw new Error("no context");
    },
  });
  const { error } = await rejectedWithRow(
    h,
    () => h.service.streamCompletion({ messages }, context as never),
  );
  assert.ok(error instanceof LLMValidationError);
  assert.ok(error.issues.length >= 5, "each field is reported");
});

Deno.test("a request whose toJSON throws is a validation error with a row holding every column", async () => {
  await using h = await openServiceHarness();
  const written: LLMCallLogRow[] = [];
  const service = h.withOptions({
    sink: { write: (rows) => Promise.resolve(void written.push(...rows)) },
  });
  const request = {
    model: "openai/gpt-4o-mini",
    messages,
    toJSON(): never {
      throw new Error("no JSON for you");
    },
  };
  const error = await service.chatCompletion(request).then(() => assert.fail(), (e) => e);
  assert.ok(error instanceof LLMValidationError, `${error.name}: ${error.message}`);
  await service.flush();
  assert.equal(written.length, 1, "exactly one row");
  assert.deepEqual(Object.keys(written[0]).sort(), LOG_COLUMNS.map((c) => c.name).sort());
  assert.equal(written[0].request_params, null);
  assert.equal(written[0].status, "failed");
});

/** Abort reasons `String()` cannot convert: no prototype, and a `toString` that throws. */
const UNPRINTABLE_REASONS = {
  "a prototype-less object": () => Object.create(null),
  "an object whose toString throws": () => ({
    toString(): string {
      throw new Error("no text");
    },
  }),
};

for (const [kind, reason] of Object.entries(UNPRINTABLE_REASONS)) {
  Deno.test(`a signal aborted before the call with ${kind} as reason is cancelled with a row`, async () => {
    await using h = await openServiceHarness();
    const { error, row } = await rejectedWithRow(
      h,
      () => h.service.chatCompletion({ messages }, { signal: AbortSignal.abort(reason()) }),
    );
    assert.ok(error instanceof LLMCancelledError, `${error.name}: ${error.message}`);
    assert.match(error.message, /aborted through context\.signal: unprintable value$/);
    assert.deepEqual([row.status, row.error_type], ["cancelled", "cancelled"]);
    assert.equal(h.sim.exchanges.length, 0, "nothing was sent");
  });

  Deno.test(`a call aborted mid-request with ${kind} as reason is cancelled with a row`, async () => {
    await using h = await openServiceHarness();
    const controller = new AbortController();
    const { error, row } = await rejectedWithRow(h, async () => {
      const pending = h.service.chatCompletion({ model: "sim/hang", messages }, {
        signal: controller.signal,
      });
      await h.sim.nextExchange();
      controller.abort(reason());
      return await pending;
    });
    assert.ok(error instanceof LLMCancelledError, `${error.name}: ${error.message}`);
    assert.deepEqual([row.status, row.error_type], ["cancelled", "cancelled"]);
  });

  for (const how of ["cancelled by its reader", "aborted through context.signal"] as const) {
    Deno.test(`a stream ${how} with ${kind} as reason is logged as cancelled, with what came`, async () => {
      await using h = await openServiceHarness();
      const controller = new AbortController();
      const response = await h.service.streamCompletion({ model: "sim/stream-hang", messages }, {
        signal: controller.signal,
      });
      const reader = response.body!.getReader();
      let text = "";
      while (!text.includes("reply ")) {
        text += new TextDecoder().decode((await reader.read()).value);
      }
      if (how === "cancelled by its reader") await reader.cancel(reason());
      else {
        controller.abort(reason());
        while (!(await reader.read()).done) { /* chunks already passed on may still come */ }
      }
      await h.service.flush();
      const rows = await h.rows();
      assert.equal(rows.length, 1, "exactly one row");
      const [row] = rows;
      assert.deepEqual([row.status, row.error_type], ["cancelled", "cancelled"]);
      assert.match(row.error_message!, /: unprintable value$/);
      assert.match(row.completion_text!, /^Simulated reply $/);
      assert.equal(row.http_status, 200);
      assert.deepEqual(row.metadata, {}, "no prepare_error");
    });
  }
}
