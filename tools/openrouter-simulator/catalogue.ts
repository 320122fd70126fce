/**
 * The simulator's model catalogue: what `GET /models` lists and what chat calls are priced at.
 * Prices are decimal strings in US dollars per unit, as OpenRouter publishes them.
 *
 * @module
 */

/** One model of the catalogue. */
export interface CatalogueModel {
  id: string;
  name: string;
  /** The provider that serves it (the `provider` field of completions). */
  provider: string;
  context_length: number;
  /** Whether completions carry reasoning. */
  reasoning: boolean;
  pricing: {
    prompt: string;
    completion: string;
    request: string;
    image: string;
    [unit: string]: string;
  };
}

/** A model's prompt, completion and (if it has one) cache-read price. */
type Prices = readonly [prompt: string, completion: string, cacheRead?: string];

const MINI: Prices = ["0.00000015", "0.0000006", "0.000000075"];
const FREE: Prices = ["0", "0"];

/** A catalogue entry: `context` is its context length, `reasoning` whether answers carry it. */
function model(
  id: string,
  name: string,
  provider: string,
  [prompt, completion, cacheRead]: Prices,
  context = 128_000,
  reasoning = false,
): CatalogueModel {
  const pricing: CatalogueModel["pricing"] = {
    prompt,
    completion,
    request: "0",
    image: "0",
    web_search: "0",
    internal_reasoning: "0",
  };
  if (cacheRead) pricing.input_cache_read = cacheRead;
  return { id, name, provider, context_length: context, reasoning, pricing };
}

/**
 * Realistic models, then the `sim/*` scenario models that answer normally, priced like
 * `openai/gpt-4o-mini` so that a cost estimate from `/models` can find them.
 */
export const CATALOGUE: readonly CatalogueModel[] = [
  model("openai/gpt-4o-mini", "OpenAI: GPT-4o-mini", "OpenAI", MINI),
  model("openai/gpt-4o", "OpenAI: GPT-4o", "Azure", ["0.0000025", "0.00001", "0.00000125"]),
  model("anthropic/claude-3.5-sonnet", "Anthropic: Claude 3.5 Sonnet", "Anthropic", [
    "0.000003",
    "0.000015",
    "0.0000003",
  ], 200_000),
  model("google/gemini-2.0-flash-001", "Google: Gemini 2.0 Flash", "Google AI Studio", [
    "0.0000001",
    "0.0000004",
  ], 1_048_576),
  model("meta-llama/llama-3.3-70b-instruct", "Meta: Llama 3.3 70B Instruct", "Groq", [
    "0.00000013",
    "0.0000004",
  ], 131_072),
  model(
    "deepseek/deepseek-r1",
    "DeepSeek: R1",
    "DeepSeek",
    ["0.0000004", "0.000002"],
    163_840,
    true,
  ),
  model(
    "meta-llama/llama-3.3-8b-instruct:free",
    "Meta: Llama 3.3 8B Instruct (free)",
    "Together",
    FREE,
    131_072,
  ),
  ...["sim/no-cost", "sim/no-usage", "sim/cached", "sim/reasoning", "sim/tools"].map((id) =>
    model(id, `Simulator: ${id.slice(4)}`, "OpenAI", MINI)
  ),
  model("sim/free:free", "Simulator: free", "OpenAI", FREE),
];

const PROVIDERS: Record<string, string> = {
  openai: "OpenAI",
  anthropic: "Anthropic",
  google: "Google AI Studio",
  "meta-llama": "Together",
  deepseek: "DeepSeek",
  mistralai: "Mistral",
  "x-ai": "xAI",
};

/**
 * The catalogue entry for a model; any other name gets `openai/gpt-4o-mini`'s prices (`"0"`
 * for a `:free` variant) and a provider guessed from its vendor prefix, but is not listed.
 *
 * @example
 * ```ts
 * modelInfo("mistralai/mistral-large").provider; // "Mistral"
 * ```
 */
export function modelInfo(id: string): CatalogueModel {
  const listed = CATALOGUE.find((m) => m.id === id);
  if (listed) return listed;
  const provider = PROVIDERS[id.split("/")[0]] ?? "OpenAI";
  return model(id, id, provider, id.endsWith(":free") ? FREE : MINI);
}

/** The `GET /models` body: `{ data: [...] }` in OpenRouter's shape. */
export function modelsBody(): { data: Record<string, unknown>[] } {
  return {
    data: CATALOGUE.map((m) => ({
      id: m.id,
      canonical_slug: m.id,
      hugging_face_id: "",
      name: m.name,
      created: 1_727_740_800,
      description: `${m.name}, as served by the OpenRouter simulator.`,
      context_length: m.context_length,
      architecture: {
        modality: "text->text",
        input_modalities: ["text"],
        output_modalities: ["text"],
        tokenizer: "Other",
        instruct_type: null,
      },
      pricing: m.pricing,
      top_provider: {
        context_length: m.context_length,
        max_completion_tokens: 16_384,
        is_moderated: m.provider === "OpenAI",
      },
      per_request_limits: null,
      supported_parameters: m.reasoning
        ? ["max_tokens", "temperature", "reasoning", "include_reasoning", "stop"]
        : ["max_tokens", "temperature", "top_p", "stop", "tools", "tool_choice", "seed"],
    })),
  };
}
