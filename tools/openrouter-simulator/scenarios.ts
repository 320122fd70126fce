/**
 * Chat completions by model name: any model gets a plausible answer; `sim/<scenario>` models
 * ask for a specific behaviour (see README.md for the table).
 *
 * @module
 */
import { completionBody, planCompletion, type PlanOptions, requestedModel } from "./completion.ts";
import { shapedError, statusError } from "./error-bodies.ts";
import { replayTranscript, type SseFrame, sseResponse, type StreamOptions } from "./sse.ts";
import { type FrameOptions, streamFrames } from "./stream-frames.ts";

/** What a scenario needs to answer. */
export interface ScenarioRequest {
  body: Record<string, unknown>;
  signal: AbortSignal;
  /** Reads a transcript from `tests/fixtures/streams/<name>.sse`. */
  transcript(name: string): Promise<string>;
}

const PLANS: Record<string, PlanOptions> = {
  "no-usage": { usage: "none" },
  "no-cost": { usage: "no-cost" },
  "cached": { cachedTokens: 6 },
  "reasoning": { reasoning: true },
  "tools": { tools: true },
};

/** Answers `POST /chat/completions` for a parsed body. */
export async function answerCompletion(request: ScenarioRequest): Promise<Response> {
  const body = withFallback(request.body);
  const model = requestedModel(body);
  const scenario = model.startsWith("sim/") ? model.slice(4) : "";
  const stream = body.stream === true;

  const status = /^error-(\d{3})$/.exec(scenario)?.[1];
  if (status) return statusError(Number(status), model);
  const shaped = shapedError(scenario, model);
  if (shaped) return shaped;
  if (scenario.startsWith("transcript/")) {
    return replayTranscript(await request.transcript(scenario.slice("transcript/".length)), {
      split: 64,
    });
  }
  if (scenario === "hang") {
    await new Promise((resolve) =>
      request.signal.addEventListener("abort", resolve, { once: true })
    );
    return new Response(null, { status: 499 });
  }
  if (scenario === "slow" && !stream) await sleep(300, request.signal);

  const options: PlanOptions = { ...PLANS[scenario] };
  if (scenario === "stream-long") {
    options.pieces = typeof body.max_tokens === "number" ? body.max_tokens : 2000;
  }
  const plan = planCompletion(body, options);
  const headers = { "x-generation-id": plan.id };
  if (scenario === "choice-error" && !stream) {
    const failed = completionBody(plan);
    (failed.choices as Record<string, unknown>[])[0] = {
      index: 0,
      finish_reason: "error",
      native_finish_reason: "error",
      message: { role: "assistant", content: "" },
      error: {
        code: 502,
        message: "Provider returned error",
        metadata: { raw: "model crashed", provider_name: "Novita" },
      },
    };
    return Response.json(failed, { headers });
  }
  if (!stream) return Response.json(completionBody(plan), { headers });
  const frameOptions: FrameOptions = {
    usageOnChoice: scenario === "stream-usage-on-choice",
    pieces: options.pieces,
  };
  return streamScenario(scenario, streamFrames(plan, frameOptions), headers);
}

/**
 * OpenRouter tries `models` in order: the first that is not an error scenario serves, and the
 * response names it. Without `models`, or when all fail, the request stands as it is.
 */
function withFallback(body: Record<string, unknown>): Record<string, unknown> {
  const models = Array.isArray(body.models) ? body.models.filter((m) => typeof m === "string") : [];
  const candidates = typeof body.model === "string" && body.model
    ? [body.model, ...models]
    : models;
  const serving = candidates.find((m) => !/^sim\/(error-|hang$)/.test(m));
  return serving && serving !== candidates[0] ? { ...body, model: serving } : body;
}

/** The stream-only scenarios reshape the normal frames. */
function streamScenario(
  scenario: string,
  frames: SseFrame[],
  headers: Record<string, string>,
): Response {
  const base: StreamOptions = { headers };
  const content = frames.filter((f) => "data" in f).slice(0, 4);
  const meta = (frames.find((f) => "data" in f) as { data: Record<string, unknown> }).data;
  const errorEvent = (code: number | string) => ({
    data: {
      id: meta.id,
      model: meta.model,
      provider: meta.provider,
      object: "chat.completion.chunk",
      created: meta.created,
      error: {
        code,
        message: "Provider returned error",
        metadata: { raw: "upstream stream reset", provider_name: meta.provider },
      },
      choices: [{
        index: 0,
        delta: { content: "" },
        finish_reason: "error",
        native_finish_reason: "error",
      }],
    },
  });
  switch (scenario) {
    case "slow":
      return sseResponse(frames, { ...base, delayMs: 50, firstDelayMs: 50 });
    case "stream-bytes":
      return sseResponse(frames.map(withUnicode), { ...base, split: "bytes", newline: "\r\n" });
    case "stream-crlf":
      return sseResponse(frames, { ...base, newline: "\r\n", split: 7 });
    case "stream-error-numeric":
      return sseResponse([...frames.slice(0, 1), ...content, errorEvent(502)], base);
    case "stream-error-string":
      return sseResponse([...frames.slice(0, 1), ...content, errorEvent("server_error")], base);
    case "stream-finish-error": {
      const failed = errorEvent(0).data as Record<string, unknown>;
      delete failed.error;
      return sseResponse(
        [...frames.slice(0, 1), ...content, { data: failed }, { done: true }],
        base,
      );
    }
    case "stream-disconnect":
      return sseResponse([...frames.slice(0, 1), ...content], base);
    case "stream-abort":
      // Paced, so the headers and first chunks are on the wire before the connection breaks.
      return sseResponse([...frames.slice(0, 1), ...content], {
        ...base,
        end: "abort",
        delayMs: 10,
      });
    case "stream-invalid-json":
      return sseResponse([
        ...frames.slice(0, 3),
        { raw: "data: {not json\n\n" },
        ...frames.slice(3),
      ], base);
    case "stream-hang":
      return sseResponse([...frames.slice(0, 1), ...content.slice(0, 3)], { ...base, end: "hang" });
    case "stream-keepalive-forever":
      return sseResponse(
        Array.from({ length: 100_000 }, () => ({ comment: "OPENROUTER PROCESSING" })),
        {
          ...base,
          delayMs: 100,
        },
      );
  }
  return sseResponse(frames, base);
}

/** Puts multi-byte characters into content deltas so byte splits land inside them. */
function withUnicode(frame: SseFrame): SseFrame {
  if (!("data" in frame)) return frame;
  const text = JSON.stringify(frame.data).replace(
    /"content":"([^"]+)"/g,
    '"content":"$1 héllo wörld — 你好 👋"',
  );
  return { data: JSON.parse(text) };
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener("abort", () => (clearTimeout(timer), resolve()), { once: true });
  });
}
