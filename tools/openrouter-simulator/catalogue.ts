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

interface Entry {
  id: string;
  name: string;
  provider: string;
  prompt: string;
  completion: string;
  context?: number;
  reasoning?: boolean;
  cacheRead?: string;
}

function model(entry: Entry): CatalogueModel {
  const pricing: CatalogueModel["pricing"] = {
    prompt: entry.prompt,
    completion: entry.completion,
    request: "0",
    image: "0",
    web_search: "0",
    internal_reasoning: "0",
  };
  if (entry.cacheRead) pricing.input_cache_read = entry.cacheRead;
  return {
    id: entry.id,
    name: entry.name,
    provider: entry.provider,
    context_length: entry.context ?? 128_000,
    reasoning: entry.reasoning ?? false,
    pricing,
  };
}

const mini = { prompt: "0.00000015", completion: "0.0000006", cacheRead: "0.000000075" };

/**
 * Realistic models, then the `sim/*` scenario models that answer normally, priced like
 * `openai/gpt-4o-mini` so that a cost estimate from `/models` can find them.
 */
export const CATALOGUE: readonly CatalogueModel[] = [
  model({ id: "openai/gpt-4o-mini", name: "OpenAI: GPT-4o-mini", provider: "OpenAI", ...mini }),
  model({
    id: "openai/gpt-4o",
    name: "OpenAI: GPT-4o",
    provider: "Azure",
    prompt: "0.0000025",
    completion: "0.00001",
    cacheRead: "0.00000125",
  }),
  model({
    id: "anthropic/claude-3.5-sonnet",
    name: "Anthropic: Claude 3.5 Sonnet",
    provider: "Anthropic",
    prompt: "0.000003",
    completion: "0.000015",
    context: 200_000,
    cacheRead: "0.0000003",
  }),
  model({
    id: "google/gemini-2.0-flash-001",
    name: "Google: Gemini 2.0 Flash",
    provider: "Google AI Studio",
    prompt: "0.0000001",
    completion: "0.0000004",
    context: 1_048_576,
  }),
  model({
    id: "meta-llama/llama-3.3-70b-instruct",
    name: "Meta: Llama 3.3 70B Instruct",
    provider: "Groq",
    prompt: "0.00000013",
    completion: "0.0000004",
    context: 131_072,
  }),
  model({
    id: "deepseek/deepseek-r1",
    name: "DeepSeek: R1",
    provider: "DeepSeek",
    prompt: "0.0000004",
    completion: "0.000002",
    context: 163_840,
    reasoning: true,
  }),
  model({
    id: "meta-llama/llama-3.3-8b-instruct:free",
    name: "Meta: Llama 3.3 8B Instruct (free)",
    provider: "Together",
    prompt: "0",
    completion: "0",
    context: 131_072,
  }),
  ...["sim/no-cost", "sim/no-usage", "sim/cached", "sim/reasoning", "sim/tools"].map((id) =>
    model({ id, name: `Simulator: ${id.slice(4)}`, provider: "OpenAI", ...mini })
  ),
  model({
    id: "sim/free:free",
    name: "Simulator: free",
    provider: "OpenAI",
    prompt: "0",
    completion: "0",
  }),
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
  const free = id.endsWith(":free");
  return model({
    id,
    name: id,
    provider: PROVIDERS[id.split("/")[0]] ?? "OpenAI",
    ...(free ? { prompt: "0", completion: "0" } : mini),
  });
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
