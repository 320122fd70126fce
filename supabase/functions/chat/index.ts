/**
 * POST a chat completions request (`messages`, optional `model` and parameters); get
 * OpenRouter's completion as JSON. Every call is logged to `llm_call_logs`.
 *
 * ```sh
 * curl -X POST http://localhost:54321/functions/v1/chat \
 *   -H 'content-type: application/json' \
 *   -d '{"messages":[{"role":"user","content":"Hello"}]}'
 * ```
 */
import { createChatHandler } from "../_shared/http/chat-endpoint.ts";

Deno.serve(createChatHandler({ edgeFunction: "chat", stream: false }));
