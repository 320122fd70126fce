/**
 * The simulator's model catalogue: what `GET /models` lists and what chat calls are priced at.
 * Prices are decimal strings in US dollars per unit, as OpenRouter publishes them.
 *
 * @module
 */

/** One model as `GET /models` lists it. */
export interface CatalogueModel {
  id: string;
  canonical_slug: string;
  name: string;
  provider: string;
  context_length: number;
  pricing: { prompt: string; completion: string; request: string; [unit: string]: string };
}

function model(id: string, provider: string, prompt: string, completion: string): CatalogueModel {
  return {
    id,
    canonical_slug: id,
    name: id.split("/")[1] ?? id,
    provider,
    context_length: 128_000,
    pricing: {
      prompt,
      completion,
      request: "0",
      image: "0",
      input_cache_read: prompt === "0" ? "0" : prompt,
    },
  };
}

/** Realistic models; `sim/*` scenario models are priced like `openai/gpt-4o-mini`. */
export const CATALOGUE: readonly CatalogueModel[] = [
  model("openai/gpt-4o-mini", "OpenAI", "0.00000015", "0.0000006"),
  model("openai/gpt-4o", "OpenAI", "0.0000025", "0.00001"),
  model("anthropic/claude-3.5-sonnet", "Anthropic", "0.000003", "0.000015"),
  model("google/gemini-2.0-flash-001", "Google", "0.0000001", "0.0000004"),
  model("meta-llama/llama-3.3-70b-instruct", "Groq", "0.00000013", "0.0000004"),
  model("deepseek/deepseek-r1", "DeepSeek", "0.0000004", "0.000002"),
  model("meta-llama/llama-3.3-8b-instruct:free", "Together", "0", "0"),
  // Scenario models that answer normally are listed, so cost estimates can find their prices.
  model("sim/no-cost", "OpenAI", "0.00000015", "0.0000006"),
  model("sim/no-usage", "OpenAI", "0.00000015", "0.0000006"),
  model("sim/cached", "OpenAI", "0.00000015", "0.0000006"),
];

const DEFAULT = CATALOGUE[0];

/** The catalogue entry for a model, or default prices and provider for any other name. */
export function priceOf(id: string): CatalogueModel {
  return CATALOGUE.find((m) => m.id === id) ??
    {
      ...DEFAULT,
      id,
      canonical_slug: id,
      name: id,
      provider: id.endsWith(":free") ? "Together" : DEFAULT.provider,
    };
}

/** `GET /models` body. */
export function modelsBody(): { data: unknown[] } {
  return {
    data: CATALOGUE.map(({ provider: _provider, ...rest }) => ({
      ...rest,
      created: 1_720_000_000,
      architecture: { modality: "text->text", tokenizer: "Other" },
      top_provider: { context_length: rest.context_length, is_moderated: false },
    })),
  };
}

/**
 * Σ tokens × price, exactly (prices have at most 12 decimals here), as a JSON number such as
 * OpenRouter's `usage.cost`.
 */
export function costOf(
  model: CatalogueModel,
  promptTokens: number,
  completionTokens: number,
): number {
  const units = (price: string) => {
    const [whole, fraction = ""] = price.split(".");
    return BigInt(whole + fraction.padEnd(12, "0").slice(0, 12));
  };
  const total = units(model.pricing.prompt) * BigInt(promptTokens) +
    units(model.pricing.completion) * BigInt(completionTokens);
  const digits = total.toString().padStart(13, "0");
  return Number(`${digits.slice(0, -12)}.${digits.slice(-12)}`);
}
