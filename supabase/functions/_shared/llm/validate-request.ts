// deno-lint-ignore-file no-import-prefix -- full npm: specifiers keep _shared/ copyable into any
// Supabase project without import-map entries in every function's deno.json (Supabase's guidance).
/**
 * Checks a chat completions request before anything is sent.
 *
 * Strict about what OpenRouter would reject (no messages, a role it does not know, a wrong type,
 * a number out of range) and silent about fields it does not name: those are sent as given,
 * because OpenRouter ignores what a model does not support.
 *
 * @module
 */
import { z } from "npm:zod@4.6.7";

const text = z.string();
const url = z.looseObject({ url: z.string().min(1) });

const contentPart = z.discriminatedUnion("type", [
  z.looseObject({ type: z.literal("text"), text }),
  z.looseObject({ type: z.literal("image_url"), image_url: url }),
  z.looseObject({
    type: z.literal("input_audio"),
    input_audio: z.looseObject({ data: z.string(), format: z.string() }),
  }),
  z.looseObject({ type: z.literal("file"), file: z.looseObject({}) }),
  z.looseObject({ type: z.literal("video_url"), video_url: url }),
]);

const content = z.union([text, z.array(contentPart)]);

const toolCall = z.looseObject({
  id: z.string().optional(),
  type: z.literal("function").optional(),
  function: z.looseObject({ name: z.string().min(1), arguments: z.string().optional() }),
});

const message = z.discriminatedUnion("role", [
  z.looseObject({ role: z.enum(["system", "developer", "user"]), content }),
  z.looseObject({
    role: z.literal("assistant"),
    content: content.nullish(),
    tool_calls: z.array(toolCall).optional(),
    reasoning: z.string().nullish(),
  }),
  z.looseObject({ role: z.literal("tool"), content, tool_call_id: z.string().min(1) }),
]);

const toolFunction = z.looseObject({ name: z.string().min(1) });

/** Function tools need a named function; other tool types (server tools OpenRouter adds) pass. */
const tool = z.looseObject({ type: z.string().min(1) }).superRefine((value, context) => {
  if (value.type !== "function") return;
  const checked = toolFunction.safeParse(value.function);
  for (const issue of checked.error?.issues ?? []) {
    context.addIssue({ code: "custom", message: issue.message, path: ["function", ...issue.path] });
  }
});

const positiveInt = z.int().min(1);

/** The fields OpenRouter documents, checked; any other field passes through untouched. */
const requestSchema = z.looseObject({
  messages: z.array(message).min(1),
  model: z.string().min(1).optional(),
  models: z.array(z.string().min(1)).min(1).optional(),
  stream: z.boolean().optional(),
  temperature: z.number().min(0).max(2).optional(),
  top_p: z.number().min(0).max(1).optional(),
  top_k: z.int().min(0).optional(),
  min_p: z.number().min(0).max(1).optional(),
  top_a: z.number().min(0).max(1).optional(),
  frequency_penalty: z.number().min(-2).max(2).optional(),
  presence_penalty: z.number().min(-2).max(2).optional(),
  repetition_penalty: z.number().min(0).max(2).optional(),
  max_tokens: positiveInt.optional(),
  max_completion_tokens: positiveInt.optional(),
  seed: z.int().optional(),
  stop: z.union([z.string(), z.array(z.string()).max(4)]).nullish(),
  logprobs: z.boolean().optional(),
  top_logprobs: z.int().min(0).max(20).optional(),
  tools: z.array(tool).optional(),
  parallel_tool_calls: z.boolean().optional(),
  response_format: z.looseObject({ type: z.string().min(1) }).optional(),
  user: z.string().optional(),
  metadata: z.record(z.string(), z.string()).optional(),
});

/** One problem with a request: the field's path (`messages[1].role`) and what is wrong. */
export type RequestIssue = {
  field: string;
  message: string;
};

/**
 * Returns the problems that would make OpenRouter reject the request, or an empty list.
 *
 * @example
 * ```ts
 * validateRequest({ messages: [] });
 * // [{ field: "messages", message: "Too small: expected array to have >=1 items" }]
 * ```
 */
export function validateRequest(request: unknown): RequestIssue[] {
  if (typeof request !== "object" || request === null || Array.isArray(request)) {
    return [{ field: "", message: `expected a request object, received ${describe(request)}` }];
  }
  try {
    return schemaIssues(request);
  } catch (error) {
    // A getter that throws, or a Proxy whose traps do: the request cannot even be read.
    const why = error instanceof Error ? error.message : "unreadable value";
    return [{ field: "", message: `cannot be read: ${why}` }];
  }
}

/** What the zod schema finds wrong with a request object (the authority on validity). */
export function schemaIssues(request: object): RequestIssue[] {
  const result = requestSchema.safeParse(request);
  if (result.success) return [];
  return result.error.issues.flatMap((issue) => flatten(issue, []));
}

/** The shape of a zod issue this module reads. */
interface Issue {
  code: string;
  path: PropertyKey[];
  message: string;
  errors?: Issue[][];
}

/**
 * A union (content: string or parts) fails as a whole with one issue per branch: report the
 * branch that got furthest into the value, so the field names the offending part.
 */
function flatten(issue: Issue, prefix: PropertyKey[]): RequestIssue[] {
  const path = [...prefix, ...issue.path];
  if (issue.code === "invalid_union" && issue.errors?.length) {
    const depth = (branch: Issue[]) => Math.max(0, ...branch.map((i) => i.path.length));
    const best = issue.errors.reduce((a, b) => depth(b) > depth(a) ? b : a);
    if (depth(best) > 0) return best.flatMap((inner) => flatten(inner, path));
  }
  return [{ field: fieldPath(path), message: issue.message }];
}

/** Formats a path the way it reads in code: `messages[1].content[0].text`. */
function fieldPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const key of path) {
    out += typeof key === "number" ? `[${key}]` : `${out ? "." : ""}${String(key)}`;
  }
  return out;
}

function describe(value: unknown): string {
  if (value === null) return "null";
  return Array.isArray(value) ? "an array" : typeof value;
}
