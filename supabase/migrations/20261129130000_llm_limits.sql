-- llm_limits: budgets and rate limits that the LLM service enforces before it sends a call.
--
-- A limit has a scope (every call, one edge function, one model, each user separately, or one
-- named user as an override of the per-user default), a window in UTC (the current minute,
-- hour, day or calendar month) and any of three maxima: cost in USD, calls, tokens. The service
-- reads every enabled limit with its current usage through public.llm_limit_usage(), in one
-- round trip per worker, caches it for a few seconds, and refuses a call that would go over.
-- Semantics (soft across workers, what counts as a call) are in docs/budgets.md.
--
-- Usage comes from the rollups of 20261129120000_llm_usage_rollups.sql (hour, day and month
-- windows) and from llm_call_logs itself for the current minute, through its created_at and
-- (user_id, created_at) indexes.
--
-- Access: admins (app_metadata.role = 'admin' in the JWT, which only the service key can set)
-- manage limits through the Data API; a signed-in user reads the limits that apply to them
-- (every limit except other users' overrides), so an app can show "60% of today's budget";
-- anon gets nothing; the service role reads. Only the service role may call the usage function.

create table public.llm_limits (
  id uuid not null default gen_random_uuid(),
  scope text not null,
  scope_value text,
  period text not null,
  max_cost_usd numeric,
  max_calls bigint,
  max_tokens bigint,
  enabled boolean not null default true,
  note text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),

  constraint llm_limits_pkey primary key (id),
  constraint llm_limits_scope_check
    check (scope in ('global', 'edge_function', 'model', 'each_user', 'user')),
  constraint llm_limits_scope_value_check
    check ((scope in ('edge_function', 'model', 'user')) = (scope_value is not null)),
  constraint llm_limits_scope_value_not_blank_check
    check (btrim(scope_value) <> ''),
  constraint llm_limits_period_check
    check (period in ('minute', 'hour', 'day', 'month')),
  constraint llm_limits_some_maximum_check
    check (num_nonnulls(max_cost_usd, max_calls, max_tokens) > 0),
  constraint llm_limits_maxima_not_negative_check
    check (max_cost_usd >= 0 and max_calls >= 0 and max_tokens >= 0),
  -- One limit per scope and window: two daily limits for the same user would leave it unclear
  -- which one an admin meant to change.
  constraint llm_limits_scope_period_key
    unique nulls not distinct (scope, scope_value, period)
);

comment on table public.llm_limits is
  'Budgets and rate limits the LLM service enforces before sending a call: a scope, a UTC window and any of max cost, max calls, max tokens. Admins (app_metadata.role = admin) manage them; users read those that apply to them. See docs/budgets.md.';
comment on column public.llm_limits.scope is
  'global (every call), edge_function, model, each_user (every user separately: the per-user default) or user (one named user: replaces the each_user limit of the same period for that user)';
comment on column public.llm_limits.scope_value is
  'The edge function, model or user id the scope names (as in llm_call_logs); NULL for global and each_user';
comment on column public.llm_limits.period is
  'The window, in UTC: the current minute, hour, day or calendar month; usage resets when it ends';
comment on column public.llm_limits.max_cost_usd is
  'Most US dollars the scope may spend in the window (cost_usd of its calls; calls of unknown cost count as 0)';
comment on column public.llm_limits.max_calls is
  'Most calls in the window: calls that completed or were cancelled; failed calls, including those refused before sending, do not count';
comment on column public.llm_limits.max_tokens is
  'Most total_tokens in the window';
comment on column public.llm_limits.enabled is
  'A disabled limit is kept but not enforced';

-- The user policy filters on (scope, scope_value): the unique constraint's index serves it.

create function private.llm_limits_touch_updated_at()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  new.updated_at := now();
  return new;
end;
$$;
comment on function private.llm_limits_touch_updated_at() is
  'Keeps llm_limits.updated_at at the time of the last change';
revoke all on function private.llm_limits_touch_updated_at() from public;

create trigger llm_limits_touch_updated_at
  before update on public.llm_limits
  for each row execute function private.llm_limits_touch_updated_at();

alter table public.llm_limits enable row level security;

-- One permissive policy per action. Reading: admins everything; a user the limits that apply to
-- everyone and their own override, never another user's. The helpers are wrapped in (select ...)
-- so they run once per statement.
create policy llm_limits_select_applicable_or_admin
  on public.llm_limits
  as permissive
  for select
  to authenticated
  using (
    scope <> 'user'
    or scope_value = (select auth.uid())::text
    or ((select auth.jwt()) -> 'app_metadata' ->> 'role') = 'admin'
  );
comment on policy llm_limits_select_applicable_or_admin on public.llm_limits is
  'Users read every limit except other users'' overrides; admins (JWT app_metadata.role = admin) read all';

create policy llm_limits_insert_admin
  on public.llm_limits
  as permissive
  for insert
  to authenticated
  with check (((select auth.jwt()) -> 'app_metadata' ->> 'role') = 'admin');
comment on policy llm_limits_insert_admin on public.llm_limits is
  'Only admins (JWT app_metadata.role = admin) create limits';

create policy llm_limits_update_admin
  on public.llm_limits
  as permissive
  for update
  to authenticated
  using (((select auth.jwt()) -> 'app_metadata' ->> 'role') = 'admin')
  with check (((select auth.jwt()) -> 'app_metadata' ->> 'role') = 'admin');
comment on policy llm_limits_update_admin on public.llm_limits is
  'Only admins (JWT app_metadata.role = admin) change limits';

create policy llm_limits_delete_admin
  on public.llm_limits
  as permissive
  for delete
  to authenticated
  using (((select auth.jwt()) -> 'app_metadata' ->> 'role') = 'admin');
comment on policy llm_limits_delete_admin on public.llm_limits is
  'Only admins (JWT app_metadata.role = admin) delete limits';

-- Exactly these privileges, whatever the project's default privileges are. Admins write the
-- limit's own columns; id and the timestamps are the database's.
revoke all on table public.llm_limits from public, anon, authenticated, service_role;
grant select, delete on table public.llm_limits to authenticated;
grant insert (scope, scope_value, period, max_cost_usd, max_calls, max_tokens, enabled, note),
  update (scope, scope_value, period, max_cost_usd, max_calls, max_tokens, enabled, note)
  on table public.llm_limits to authenticated;
grant select on table public.llm_limits to service_role;

-- Every enabled limit with its usage in the current window, in one round trip.
--
-- Usage is reported for the limits of the shared scopes (global, edge_function, model) and, when
-- p_user_id is given, for the per-user limits that apply to that user (each_user, and user when
-- it names them). Other rows carry their definition and NULL usage: a worker learns which users
-- have overrides without receiving anyone's usage. Calls are those that completed or were
-- cancelled (the rollups cannot tell a call refused before sending from an upstream failure,
-- and refused calls must not use up a shared limit). p_at fixes the clock, for tests.
create function public.llm_limit_usage(
  p_user_id text default null,
  p_at timestamptz default now()
)
returns table (
  limit_id uuid,
  scope text,
  scope_value text,
  period text,
  max_cost_usd numeric,
  max_calls bigint,
  max_tokens bigint,
  usage_user_id text,
  window_start timestamptz,
  window_end timestamptz,
  used_cost_usd numeric,
  used_calls bigint,
  used_tokens bigint
)
language sql
stable
set search_path = ''
as $$
  with windowed as (
    select
      l.*,
      (l.scope in ('global', 'edge_function', 'model')) as shared,
      (p_user_id is not null
        and (l.scope = 'each_user' or (l.scope = 'user' and l.scope_value = p_user_id))
      ) as for_user,
      date_trunc(l.period, p_at at time zone 'UTC') at time zone 'UTC' as starts,
      (date_trunc(l.period, p_at at time zone 'UTC') + ('1 ' || l.period)::interval)
        at time zone 'UTC' as ends
    from public.llm_limits l
    where l.enabled
  )
  select
    w.id, w.scope, w.scope_value, w.period, w.max_cost_usd, w.max_calls, w.max_tokens,
    case when w.for_user then p_user_id end,
    w.starts, w.ends,
    case when w.shared or w.for_user
      then coalesce(minute.cost_usd, shared_hours.cost_usd, user_hours.cost_usd, 0) end,
    case when w.shared or w.for_user
      then coalesce(minute.calls, shared_hours.calls, user_hours.calls, 0) end,
    case when w.shared or w.for_user
      then coalesce(minute.tokens, shared_hours.tokens, user_hours.tokens, 0) end
  from windowed w
  -- The current minute, from the raw rows (index on created_at, or on (user_id, created_at)).
  left join lateral (
    select
      sum(c.cost_usd) as cost_usd,
      count(*) filter (where c.status in ('completed', 'cancelled')) as calls,
      sum(c.total_tokens) as tokens
    from public.llm_call_logs c
    where w.period = 'minute' and (w.shared or w.for_user)
      and c.created_at >= w.starts and c.created_at < w.ends
      and (not w.for_user or c.user_id = p_user_id)
      and (w.scope <> 'edge_function' or c.edge_function = w.scope_value)
      and (w.scope <> 'model' or c.model = w.scope_value)
  ) minute on w.period = 'minute'
  -- Hours, days and months of the shared scopes, from the rollup without user_id.
  left join lateral (
    select
      sum(h.cost_usd) as cost_usd,
      sum(h.calls) filter (where h.status in ('completed', 'cancelled'))::bigint as calls,
      sum(h.total_tokens)::bigint as tokens
    from public.llm_usage_hourly_all_users h
    where w.period <> 'minute' and w.shared
      and h.hour >= w.starts and h.hour < w.ends
      and (w.scope <> 'edge_function' or h.edge_function = w.scope_value)
      and (w.scope <> 'model' or h.model = w.scope_value)
  ) shared_hours on w.period <> 'minute' and w.shared
  -- Hours, days and months of one user, from the per-user rollup (index on (user_id, hour)).
  left join lateral (
    select
      sum(h.cost_usd) as cost_usd,
      sum(h.calls) filter (where h.status in ('completed', 'cancelled'))::bigint as calls,
      sum(h.total_tokens)::bigint as tokens
    from public.llm_usage_hourly h
    where w.period <> 'minute' and w.for_user
      and h.user_id = p_user_id
      and h.hour >= w.starts and h.hour < w.ends
  ) user_hours on w.period <> 'minute' and w.for_user
  order by w.scope, w.scope_value, w.period
$$;

comment on function public.llm_limit_usage(text, timestamptz) is
  'Every enabled limit of llm_limits with its window (UTC) and usage: for the shared scopes always, for each_user and user when p_user_id is given (for that user only). Read by the LLM service through the Data API with the service key.';

revoke all on function public.llm_limit_usage(text, timestamptz)
  from public, anon, authenticated, service_role;
grant execute on function public.llm_limit_usage(text, timestamptz) to service_role;
