-- Reporting views over llm_call_logs.
--
-- Every view is `security_invoker`: it runs with the rights of whoever queries it, so the RLS of
-- llm_call_logs applies (a user sees totals of their own calls, an admin of everyone's) and a
-- role without select on the table gets 42501. Without security_invoker a view runs as its owner
-- and would bypass RLS. Only authenticated and service_role may select from them.
--
-- The views aggregate every visible row. On a large table, filter on created_at in your own
-- query instead (see tools/log-queries.ts): a filter on `day` cannot prune partitions.

create view public.llm_usage_daily
with (security_invoker = true)
as
select
  (l.created_at at time zone 'UTC')::date as day,
  l.model,
  count(*) as calls,
  count(*) filter (where l.status = 'failed') as failures,
  count(*) filter (where l.status = 'cancelled') as cancellations,
  sum(l.prompt_tokens) as prompt_tokens,
  sum(l.completion_tokens) as completion_tokens,
  sum(l.total_tokens) as total_tokens,
  sum(l.cost_usd) as cost_usd,
  round(avg(l.response_time_ms), 1) as avg_response_time_ms,
  round(
    (percentile_cont(0.95) within group (order by l.response_time_ms))::numeric, 1
  ) as p95_response_time_ms
from public.llm_call_logs l
group by 1, 2;

comment on view public.llm_usage_daily is
  'Calls, failures, cancellations, tokens, cost and response times per UTC day and requested model, over the rows the caller may read (security invoker: RLS applies)';
comment on column public.llm_usage_daily.day is 'UTC date of created_at';
comment on column public.llm_usage_daily.cost_usd is
  'Sum of the known costs in US dollars; calls with unknown cost are left out';
comment on column public.llm_usage_daily.p95_response_time_ms is
  '95th percentile of response_time_ms (interpolated)';

create view public.llm_usage_by_user
with (security_invoker = true)
as
select
  l.user_id,
  count(*) as calls,
  count(*) filter (where l.status = 'failed') as failures,
  sum(l.prompt_tokens) as prompt_tokens,
  sum(l.completion_tokens) as completion_tokens,
  sum(l.total_tokens) as total_tokens,
  sum(l.cost_usd) as cost_usd,
  min(l.created_at) as first_call_at,
  max(l.created_at) as last_call_at
from public.llm_call_logs l
group by l.user_id;

comment on view public.llm_usage_by_user is
  'Calls, tokens and cost per user_id (NULL for calls without a user), over the rows the caller may read (security invoker: RLS applies)';

-- Rows and bytes per month for admins through the Data API; anyone else gets 42501 from the
-- function. Estimated row counts; postgres and service_role can call
-- private.llm_call_logs_storage_report(true) for exact ones.
create view public.llm_call_logs_storage
with (security_invoker = true)
as
select * from private.llm_call_logs_storage_report(false);

comment on view public.llm_call_logs_storage is
  'Rows (estimated) and bytes per partition of llm_call_logs and per archived month; admins and service_role only (42501 otherwise)';

revoke all on table public.llm_usage_daily, public.llm_usage_by_user, public.llm_call_logs_storage
  from public, anon, authenticated, service_role;
grant select on table public.llm_usage_daily, public.llm_usage_by_user, public.llm_call_logs_storage
  to authenticated, service_role;
