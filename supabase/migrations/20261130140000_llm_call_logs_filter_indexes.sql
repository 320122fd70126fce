-- Indexes for the dashboard's calls list filtered on a model, an Edge Function or the cancelled
-- status (an admin's pages, newest first by keyset on (created_at, id)).
--
-- Walking the created_at index and filtering is fast for a common value, but a rare one (a model
-- called a few times this month, an Edge Function that seldom runs) reads every call in the
-- range first: at 10 million rows, seconds, up to the dashboard's 8 s statement timeout. These
-- find a value's calls in time order directly. A common status needs none: 'completed' is most
-- calls, and 'failed' has its own index already.
--
-- On a big table: each partition's index is built under a lock that holds back inserts while it
-- builds (log writes retry, and print what they still cannot write). To avoid that, build each
-- partition's index first with CREATE INDEX CONCURRENTLY (docs/logging-schema.md): this
-- migration then attaches them instead of building.

create index if not exists llm_call_logs_model_created_at_idx
  on public.llm_call_logs (model, created_at);
comment on index public.llm_call_logs_model_created_at_idx is
  'One model''s calls in time order (the dashboard''s model filter)';

create index if not exists llm_call_logs_edge_function_created_at_idx
  on public.llm_call_logs (edge_function, created_at);
comment on index public.llm_call_logs_edge_function_created_at_idx is
  'One Edge Function''s calls in time order (the dashboard''s function filter)';

create index if not exists llm_call_logs_cancelled_created_at_idx
  on public.llm_call_logs (created_at)
  where status = 'cancelled';
comment on index public.llm_call_logs_cancelled_created_at_idx is
  'Cancelled calls in time order (the dashboard''s status filter); small because they are rare';
