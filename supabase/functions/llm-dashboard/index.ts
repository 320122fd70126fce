/**
 * The LLM usage dashboard: open `https://<project-ref>.supabase.co/functions/v1/llm-dashboard`
 * (locally `http://127.0.0.1:54321/functions/v1/llm-dashboard` under `deno task dev`) and sign
 * in. Users see their own calls, admins everyone's; row-level security decides. See
 * docs/dashboard.md.
 */
import { createDashboardFromEnv } from "../_shared/dashboard/dashboard-from-env.ts";

Deno.serve(createDashboardFromEnv());
