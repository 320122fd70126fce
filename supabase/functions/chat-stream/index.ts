/**
 * POST a chat completions request (`messages`, optional `model` and parameters); get
 * OpenRouter's completion streamed as Server-Sent Events, byte for byte. Every call is logged
 * to `llm_call_logs` when its stream ends, cancelled streams included.
 *
 * ```sh
 * curl -N -X POST http://localhost:54321/functions/v1/chat-stream \
 *   -H 'content-type: application/json' \
 *   -d '{"messages":[{"role":"user","content":"Hello"}]}'
 * ```
 */
import { createChatHandler } from "../_shared/http/chat-endpoint.ts";

Deno.serve(createChatHandler({ edgeFunction: "chat-stream", stream: true }));
