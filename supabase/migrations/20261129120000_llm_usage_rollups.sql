-- Usage rollups: per-hour (and coarser) aggregates of llm_call_logs, kept up to date as rows are
-- inserted, so every report reads a few rows per hour instead of every call.
--
-- Tables (all in public, read-only through the Data API, RLS like the logs):
--   llm_usage_hourly             UTC hour x edge_function, model, user_id, status, method_type
--   llm_usage_hourly_all_users   UTC hour x edge_function, model, status, method_type (admins)
--   llm_usage_daily_all_users    UTC day  x edge_function, model, status, method_type (admins)
--   llm_usage_monthly_by_user    UTC month x user_id (no latency histograms)
-- Each holds sums (calls, tokens of each kind, known cost and the number of calls of unknown
-- cost, response time and time-to-first-token sums and counts) and, except the monthly table,
-- two latency histograms over the buckets of public.llm_latency_bucket_bounds().
--
-- Maintenance: one statement-level AFTER INSERT trigger on public.llm_call_logs reads the
-- statement's transition table (the rows actually inserted: rows skipped by ON CONFLICT DO
-- NOTHING are not in it) and upserts each rollup once per statement, so a batch of 250 rows
-- costs four upserts, not 250. Rollups count calls as they were inserted: they are not changed
-- by updates or deletes of raw rows, nor by retention, which drops or archives whole months of
-- raw rows while their rollups stay (cost history is what people keep; see docs/retention.md).
--
-- Access: nobody but the owner writes rollups; the trigger function is security definer for
-- that reason, lives in the unexposed private schema, and no role may execute it directly.
-- The contract with other features (budgets, dashboard) is docs/rollups.md.

-- Latency histogram buckets ------------------------------------------------------------------

create function public.llm_latency_bucket_bounds()
returns integer[]
language sql
immutable
parallel safe
set search_path = ''
as $$
  select '{50,100,200,300,400,500,750,1000,1500,2000,3000,4000,5000,7500,10000,15000,20000,30000,45000,60000,90000,120000,300000,null}'::integer[]
$$;
comment on function public.llm_latency_bucket_bounds() is
  'Exclusive upper bound in ms of each latency histogram bucket: bucket i holds values in [bound i-1 (0 for the first), bound i). The last bound is NULL: that bucket is open-ended (300000 ms and more)';

-- The bucket (1-based) of a latency in ms; NULL for NULL. Written out as width_bucket over the
-- lower bounds so the planner folds the constant array once per statement.
create function private.llm_latency_bucket(p_ms integer)
returns integer
language sql
immutable
parallel safe
set search_path = ''
as $$
  select width_bucket(p_ms, array[0] || (public.llm_latency_bucket_bounds())[1:23])
$$;
comment on function private.llm_latency_bucket(integer) is
  'The 1-based bucket of public.llm_latency_bucket_bounds() holding a latency in ms';

-- Interpolated percentile of a histogram, like percentile_cont over the values it counts:
-- linear within the bucket holding the rank; the open-ended last bucket answers its lower bound.
create function public.llm_latency_percentile(p_histogram bigint[], p_fraction double precision)
returns double precision
language plpgsql
immutable
parallel safe
set search_path = ''
as $$
declare
  v_bounds constant integer[] := public.llm_latency_bucket_bounds();
  v_total numeric := 0;
  v_rank numeric;
  v_seen numeric := 0;
  v_lower integer;
  v_count bigint;
begin
  if p_histogram is null or p_fraction is null then
    return null;
  end if;
  if p_fraction < 0 or p_fraction > 1 then
    raise exception 'Cannot compute a percentile: fraction must be between 0 and 1, got %',
      p_fraction using errcode = '22003';
  end if;
  for i in 1 .. cardinality(p_histogram) loop
    v_total := v_total + coalesce(p_histogram[i], 0);
  end loop;
  if v_total = 0 then
    return null;
  end if;
  v_rank := p_fraction::numeric * v_total;
  for i in 1 .. cardinality(p_histogram) loop
    v_count := coalesce(p_histogram[i], 0);
    v_lower := case when i = 1 then 0 else v_bounds[i - 1] end;
    if v_count > 0 and v_seen + v_count >= v_rank then
      if v_bounds[i] is null then
        return v_lower;
      end if;
      return v_lower + (v_bounds[i] - v_lower) * ((v_rank - v_seen) / v_count)::double precision;
    end if;
    v_seen := v_seen + v_count;
  end loop;
  return null;
end;
$$;
comment on function public.llm_latency_percentile(bigint[], double precision) is
  'Interpolated percentile in ms (p_fraction 0.95 for p95) of a latency histogram over public.llm_latency_bucket_bounds(); NULL for an empty histogram. Sum histograms of several rows first with public.llm_histogram_sum';

-- Elementwise sum of two histograms of the same length (NULL counts as empty).
create function private.llm_histogram_plus(a bigint[], b bigint[])
returns bigint[]
language plpgsql
immutable
parallel safe
set search_path = ''
as $$
declare
  v_sum bigint[];
begin
  if a is null then
    return b;
  elsif b is null then
    return a;
  end if;
  v_sum := a;
  for i in 1 .. greatest(cardinality(a), cardinality(b)) loop
    v_sum[i] := coalesce(a[i], 0) + coalesce(b[i], 0);
  end loop;
  return v_sum;
end;
$$;
comment on function private.llm_histogram_plus(bigint[], bigint[]) is
  'Elementwise sum of two latency histograms';

create aggregate public.llm_histogram_sum(bigint[]) (
  sfunc = private.llm_histogram_plus,
  stype = bigint[],
  combinefunc = private.llm_histogram_plus,
  parallel = safe
);
comment on aggregate public.llm_histogram_sum(bigint[]) is
  'Elementwise sum of latency histograms across rows, for public.llm_latency_percentile';

-- Rollup tables ------------------------------------------------------------------------------

create table public.llm_usage_hourly (
  hour timestamptz not null,
  edge_function text,
  model text not null,
  user_id text,
  status text not null,
  method_type text not null,
  calls bigint not null default 0,
  prompt_tokens bigint not null default 0,
  completion_tokens bigint not null default 0,
  total_tokens bigint not null default 0,
  cached_tokens bigint not null default 0,
  reasoning_tokens bigint not null default 0,
  cost_usd numeric not null default 0,
  cost_unknown_calls bigint not null default 0,
  response_time_ms_sum bigint not null default 0,
  response_time_count bigint not null default 0,
  ttft_ms_sum bigint not null default 0,
  ttft_count bigint not null default 0,
  response_time_histogram bigint[] not null default array_fill(0::bigint, array[24]),
  ttft_histogram bigint[] not null default array_fill(0::bigint, array[24]),
  first_call_at timestamptz,
  last_call_at timestamptz,
  -- Leading (user_id, hour): this index also serves a user's rows in time order.
  constraint llm_usage_hourly_key unique nulls not distinct
    (user_id, hour, model, edge_function, status, method_type),
  constraint llm_usage_hourly_hour_check check (hour = date_trunc('hour', hour, 'UTC')),
  constraint llm_usage_hourly_status_check check (status in ('completed', 'failed', 'cancelled')),
  constraint llm_usage_hourly_method_type_check
    check (method_type in ('chat_completion', 'stream_completion'))
);
create index llm_usage_hourly_hour_idx on public.llm_usage_hourly (hour);

create table public.llm_usage_hourly_all_users (
  like public.llm_usage_hourly including defaults,
  constraint llm_usage_hourly_all_users_key unique nulls not distinct
    (hour, model, edge_function, status, method_type),
  constraint llm_usage_hourly_all_users_hour_check check (hour = date_trunc('hour', hour, 'UTC'))
);
alter table public.llm_usage_hourly_all_users drop column user_id;

create table public.llm_usage_daily_all_users (
  day date not null,
  like public.llm_usage_hourly_all_users including defaults,
  constraint llm_usage_daily_all_users_key unique nulls not distinct
    (day, model, edge_function, status, method_type)
);
alter table public.llm_usage_daily_all_users drop column hour;

create table public.llm_usage_monthly_by_user (
  month timestamptz not null,
  user_id text,
  calls bigint not null default 0,
  failed_calls bigint not null default 0,
  cancelled_calls bigint not null default 0,
  prompt_tokens bigint not null default 0,
  completion_tokens bigint not null default 0,
  total_tokens bigint not null default 0,
  cached_tokens bigint not null default 0,
  reasoning_tokens bigint not null default 0,
  cost_usd numeric not null default 0,
  cost_unknown_calls bigint not null default 0,
  first_call_at timestamptz,
  last_call_at timestamptz,
  constraint llm_usage_monthly_by_user_key unique nulls not distinct (user_id, month),
  constraint llm_usage_monthly_by_user_month_check
    check (month = date_trunc('month', month, 'UTC'))
);
create index llm_usage_monthly_by_user_month_idx on public.llm_usage_monthly_by_user (month);

comment on table public.llm_usage_hourly is
  'Calls of public.llm_call_logs summed per UTC hour of created_at and edge_function, model, user_id, status, method_type; maintained on insert, kept when raw rows are retired. Users read their own rows, admins all';
comment on table public.llm_usage_hourly_all_users is
  'public.llm_usage_hourly without the user_id dimension, for admin-wide reports; admins and service_role only';
comment on table public.llm_usage_daily_all_users is
  'public.llm_usage_hourly_all_users per UTC day; admins and service_role only';
comment on table public.llm_usage_monthly_by_user is
  'Calls, tokens and cost per UTC month and user_id (no latency), for per-user totals; users read their own rows, admins all';
comment on column public.llm_usage_hourly.hour is
  'date_trunc(''hour'', created_at, ''UTC''): the hour the calls started';
comment on column public.llm_usage_hourly.prompt_tokens is
  'Sum of the known prompt_tokens (NULL counts as 0; likewise for the other token sums)';
comment on column public.llm_usage_hourly.cost_usd is
  'Sum of the known costs in US dollars; calls of unknown cost are counted in cost_unknown_calls';
comment on column public.llm_usage_hourly.cost_unknown_calls is
  'Calls whose cost_usd was NULL';
comment on column public.llm_usage_hourly.response_time_ms_sum is
  'Sum of response_time_ms over the response_time_count calls that have one (average = sum / count)';
comment on column public.llm_usage_hourly.ttft_ms_sum is
  'Sum of time_to_first_token_ms over the ttft_count calls that have one';
comment on column public.llm_usage_hourly.response_time_histogram is
  'Calls per response_time_ms bucket of public.llm_latency_bucket_bounds(); see public.llm_latency_percentile';
comment on column public.llm_usage_hourly.ttft_histogram is
  'Calls per time_to_first_token_ms bucket of public.llm_latency_bucket_bounds()';
comment on column public.llm_usage_hourly.first_call_at is 'Earliest created_at summed here';
comment on column public.llm_usage_hourly.last_call_at is 'Latest created_at summed here';
comment on column public.llm_usage_daily_all_users.day is 'UTC date of created_at';
comment on column public.llm_usage_monthly_by_user.month is
  'date_trunc(''month'', created_at, ''UTC'')';

-- Access ---------------------------------------------------------------------------------------
-- The same rule as the logs: users read rows whose user_id is theirs, admins (app_metadata, which
-- only the service key can set) read all; the tables without user_id are for admins only.
-- service_role bypasses RLS. No API role may insert, update or delete.

alter table public.llm_usage_hourly enable row level security;
alter table public.llm_usage_hourly_all_users enable row level security;
alter table public.llm_usage_daily_all_users enable row level security;
alter table public.llm_usage_monthly_by_user enable row level security;

create policy llm_usage_hourly_select_own_or_admin
  on public.llm_usage_hourly
  as permissive
  for select
  to authenticated
  using (
    user_id = (select auth.uid())::text
    or ((select auth.jwt()) -> 'app_metadata' ->> 'role') = 'admin'
  );
comment on policy llm_usage_hourly_select_own_or_admin on public.llm_usage_hourly is
  'Signed-in users read rows whose user_id is their auth.uid(); admins (JWT app_metadata.role = admin) read all rows';

create policy llm_usage_monthly_by_user_select_own_or_admin
  on public.llm_usage_monthly_by_user
  as permissive
  for select
  to authenticated
  using (
    user_id = (select auth.uid())::text
    or ((select auth.jwt()) -> 'app_metadata' ->> 'role') = 'admin'
  );
comment on policy llm_usage_monthly_by_user_select_own_or_admin
  on public.llm_usage_monthly_by_user is
  'Signed-in users read rows whose user_id is their auth.uid(); admins (JWT app_metadata.role = admin) read all rows';

create policy llm_usage_hourly_all_users_select_admin
  on public.llm_usage_hourly_all_users
  as permissive
  for select
  to authenticated
  using (((select auth.jwt()) -> 'app_metadata' ->> 'role') = 'admin');
comment on policy llm_usage_hourly_all_users_select_admin on public.llm_usage_hourly_all_users is
  'Only admins (JWT app_metadata.role = admin) read everyone''s totals';

create policy llm_usage_daily_all_users_select_admin
  on public.llm_usage_daily_all_users
  as permissive
  for select
  to authenticated
  using (((select auth.jwt()) -> 'app_metadata' ->> 'role') = 'admin');
comment on policy llm_usage_daily_all_users_select_admin on public.llm_usage_daily_all_users is
  'Only admins (JWT app_metadata.role = admin) read everyone''s totals';

revoke all on table
  public.llm_usage_hourly, public.llm_usage_hourly_all_users,
  public.llm_usage_daily_all_users, public.llm_usage_monthly_by_user
  from public, anon, authenticated, service_role;
grant select on table
  public.llm_usage_hourly, public.llm_usage_hourly_all_users,
  public.llm_usage_daily_all_users, public.llm_usage_monthly_by_user
  to authenticated, service_role;

revoke execute on function
  public.llm_latency_bucket_bounds(),
  public.llm_latency_percentile(bigint[], double precision),
  public.llm_histogram_sum(bigint[]),
  private.llm_latency_bucket(integer),
  private.llm_histogram_plus(bigint[], bigint[])
  from public, anon;
grant execute on function
  public.llm_latency_bucket_bounds(),
  public.llm_latency_percentile(bigint[], double precision),
  public.llm_histogram_sum(bigint[]),
  private.llm_latency_bucket(integer),
  private.llm_histogram_plus(bigint[], bigint[])
  to authenticated, service_role;

-- Maintenance ----------------------------------------------------------------------------------
-- One statement: the inserted rows grouped per hour and every dimension (g), then an upsert of
-- each rollup from g. Upserts read their input in key order so that concurrent writers lock
-- rollup rows in the same order (no deadlock between two batches).

create function private.llm_usage_roll_up()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  with r as (
    select n.*, private.llm_latency_bucket(n.response_time_ms) as rb,
      private.llm_latency_bucket(n.time_to_first_token_ms) as tb
    from new_rows n
  ),
  g as (
    select date_trunc('hour', created_at, 'UTC') as hour, edge_function, model, user_id, status,
      method_type,
      count(*) as calls,
      coalesce(sum(prompt_tokens), 0) as prompt_tokens,
      coalesce(sum(completion_tokens), 0) as completion_tokens,
      coalesce(sum(total_tokens), 0) as total_tokens,
      coalesce(sum(cached_tokens), 0) as cached_tokens,
      coalesce(sum(reasoning_tokens), 0) as reasoning_tokens,
      coalesce(sum(cost_usd), 0) as cost_usd,
      count(*) filter (where cost_usd is null) as cost_unknown_calls,
      coalesce(sum(response_time_ms), 0) as response_time_ms_sum,
      count(response_time_ms) as response_time_count,
      coalesce(sum(time_to_first_token_ms), 0) as ttft_ms_sum,
      count(time_to_first_token_ms) as ttft_count,
      array[
        count(*) filter (where rb = 1), count(*) filter (where rb = 2),
        count(*) filter (where rb = 3), count(*) filter (where rb = 4),
        count(*) filter (where rb = 5), count(*) filter (where rb = 6),
        count(*) filter (where rb = 7), count(*) filter (where rb = 8),
        count(*) filter (where rb = 9), count(*) filter (where rb = 10),
        count(*) filter (where rb = 11), count(*) filter (where rb = 12),
        count(*) filter (where rb = 13), count(*) filter (where rb = 14),
        count(*) filter (where rb = 15), count(*) filter (where rb = 16),
        count(*) filter (where rb = 17), count(*) filter (where rb = 18),
        count(*) filter (where rb = 19), count(*) filter (where rb = 20),
        count(*) filter (where rb = 21), count(*) filter (where rb = 22),
        count(*) filter (where rb = 23), count(*) filter (where rb = 24)
      ] as response_time_histogram,
      array[
        count(*) filter (where tb = 1), count(*) filter (where tb = 2),
        count(*) filter (where tb = 3), count(*) filter (where tb = 4),
        count(*) filter (where tb = 5), count(*) filter (where tb = 6),
        count(*) filter (where tb = 7), count(*) filter (where tb = 8),
        count(*) filter (where tb = 9), count(*) filter (where tb = 10),
        count(*) filter (where tb = 11), count(*) filter (where tb = 12),
        count(*) filter (where tb = 13), count(*) filter (where tb = 14),
        count(*) filter (where tb = 15), count(*) filter (where tb = 16),
        count(*) filter (where tb = 17), count(*) filter (where tb = 18),
        count(*) filter (where tb = 19), count(*) filter (where tb = 20),
        count(*) filter (where tb = 21), count(*) filter (where tb = 22),
        count(*) filter (where tb = 23), count(*) filter (where tb = 24)
      ] as ttft_histogram,
      min(created_at) as first_call_at,
      max(created_at) as last_call_at
    from r
    group by 1, 2, 3, 4, 5, 6
  ),
  hourly as (
    insert into public.llm_usage_hourly as h
    select hour, edge_function, model, user_id, status, method_type, calls, prompt_tokens,
      completion_tokens, total_tokens, cached_tokens, reasoning_tokens, cost_usd,
      cost_unknown_calls, response_time_ms_sum, response_time_count, ttft_ms_sum, ttft_count,
      response_time_histogram, ttft_histogram, first_call_at, last_call_at
    from g
    order by user_id, hour, model, edge_function, status, method_type
    on conflict (user_id, hour, model, edge_function, status, method_type) do update set
      calls = h.calls + excluded.calls,
      prompt_tokens = h.prompt_tokens + excluded.prompt_tokens,
      completion_tokens = h.completion_tokens + excluded.completion_tokens,
      total_tokens = h.total_tokens + excluded.total_tokens,
      cached_tokens = h.cached_tokens + excluded.cached_tokens,
      reasoning_tokens = h.reasoning_tokens + excluded.reasoning_tokens,
      cost_usd = h.cost_usd + excluded.cost_usd,
      cost_unknown_calls = h.cost_unknown_calls + excluded.cost_unknown_calls,
      response_time_ms_sum = h.response_time_ms_sum + excluded.response_time_ms_sum,
      response_time_count = h.response_time_count + excluded.response_time_count,
      ttft_ms_sum = h.ttft_ms_sum + excluded.ttft_ms_sum,
      ttft_count = h.ttft_count + excluded.ttft_count,
      response_time_histogram =
        private.llm_histogram_plus(h.response_time_histogram, excluded.response_time_histogram),
      ttft_histogram = private.llm_histogram_plus(h.ttft_histogram, excluded.ttft_histogram),
      first_call_at = least(h.first_call_at, excluded.first_call_at),
      last_call_at = greatest(h.last_call_at, excluded.last_call_at)
  ),
  by_hour as (
    select hour, edge_function, model, status, method_type, sum(calls) as calls,
      sum(prompt_tokens) as prompt_tokens, sum(completion_tokens) as completion_tokens,
      sum(total_tokens) as total_tokens, sum(cached_tokens) as cached_tokens,
      sum(reasoning_tokens) as reasoning_tokens, sum(cost_usd) as cost_usd,
      sum(cost_unknown_calls) as cost_unknown_calls,
      sum(response_time_ms_sum) as response_time_ms_sum,
      sum(response_time_count) as response_time_count, sum(ttft_ms_sum) as ttft_ms_sum,
      sum(ttft_count) as ttft_count,
      public.llm_histogram_sum(response_time_histogram) as response_time_histogram,
      public.llm_histogram_sum(ttft_histogram) as ttft_histogram,
      min(first_call_at) as first_call_at, max(last_call_at) as last_call_at
    from g
    group by 1, 2, 3, 4, 5
  ),
  hourly_all_users as (
    insert into public.llm_usage_hourly_all_users as h
    select * from by_hour
    order by hour, model, edge_function, status, method_type
    on conflict (hour, model, edge_function, status, method_type) do update set
      calls = h.calls + excluded.calls,
      prompt_tokens = h.prompt_tokens + excluded.prompt_tokens,
      completion_tokens = h.completion_tokens + excluded.completion_tokens,
      total_tokens = h.total_tokens + excluded.total_tokens,
      cached_tokens = h.cached_tokens + excluded.cached_tokens,
      reasoning_tokens = h.reasoning_tokens + excluded.reasoning_tokens,
      cost_usd = h.cost_usd + excluded.cost_usd,
      cost_unknown_calls = h.cost_unknown_calls + excluded.cost_unknown_calls,
      response_time_ms_sum = h.response_time_ms_sum + excluded.response_time_ms_sum,
      response_time_count = h.response_time_count + excluded.response_time_count,
      ttft_ms_sum = h.ttft_ms_sum + excluded.ttft_ms_sum,
      ttft_count = h.ttft_count + excluded.ttft_count,
      response_time_histogram =
        private.llm_histogram_plus(h.response_time_histogram, excluded.response_time_histogram),
      ttft_histogram = private.llm_histogram_plus(h.ttft_histogram, excluded.ttft_histogram),
      first_call_at = least(h.first_call_at, excluded.first_call_at),
      last_call_at = greatest(h.last_call_at, excluded.last_call_at)
  ),
  daily_all_users as (
    insert into public.llm_usage_daily_all_users as h
    select (hour at time zone 'UTC')::date, edge_function, model, status, method_type,
      sum(calls), sum(prompt_tokens), sum(completion_tokens), sum(total_tokens),
      sum(cached_tokens), sum(reasoning_tokens), sum(cost_usd), sum(cost_unknown_calls),
      sum(response_time_ms_sum), sum(response_time_count), sum(ttft_ms_sum), sum(ttft_count),
      public.llm_histogram_sum(response_time_histogram), public.llm_histogram_sum(ttft_histogram),
      min(first_call_at), max(last_call_at)
    from by_hour
    group by 1, 2, 3, 4, 5
    order by 1, 3, 2, 4, 5
    on conflict (day, model, edge_function, status, method_type) do update set
      calls = h.calls + excluded.calls,
      prompt_tokens = h.prompt_tokens + excluded.prompt_tokens,
      completion_tokens = h.completion_tokens + excluded.completion_tokens,
      total_tokens = h.total_tokens + excluded.total_tokens,
      cached_tokens = h.cached_tokens + excluded.cached_tokens,
      reasoning_tokens = h.reasoning_tokens + excluded.reasoning_tokens,
      cost_usd = h.cost_usd + excluded.cost_usd,
      cost_unknown_calls = h.cost_unknown_calls + excluded.cost_unknown_calls,
      response_time_ms_sum = h.response_time_ms_sum + excluded.response_time_ms_sum,
      response_time_count = h.response_time_count + excluded.response_time_count,
      ttft_ms_sum = h.ttft_ms_sum + excluded.ttft_ms_sum,
      ttft_count = h.ttft_count + excluded.ttft_count,
      response_time_histogram =
        private.llm_histogram_plus(h.response_time_histogram, excluded.response_time_histogram),
      ttft_histogram = private.llm_histogram_plus(h.ttft_histogram, excluded.ttft_histogram),
      first_call_at = least(h.first_call_at, excluded.first_call_at),
      last_call_at = greatest(h.last_call_at, excluded.last_call_at)
  )
  insert into public.llm_usage_monthly_by_user as h
  select date_trunc('month', hour, 'UTC'), user_id, sum(calls),
    coalesce(sum(calls) filter (where status = 'failed'), 0),
    coalesce(sum(calls) filter (where status = 'cancelled'), 0),
    sum(prompt_tokens), sum(completion_tokens), sum(total_tokens), sum(cached_tokens),
    sum(reasoning_tokens), sum(cost_usd), sum(cost_unknown_calls),
    min(first_call_at), max(last_call_at)
  from g
  group by 1, 2
  order by 2, 1
  on conflict (user_id, month) do update set
    calls = h.calls + excluded.calls,
    failed_calls = h.failed_calls + excluded.failed_calls,
    cancelled_calls = h.cancelled_calls + excluded.cancelled_calls,
    prompt_tokens = h.prompt_tokens + excluded.prompt_tokens,
    completion_tokens = h.completion_tokens + excluded.completion_tokens,
    total_tokens = h.total_tokens + excluded.total_tokens,
    cached_tokens = h.cached_tokens + excluded.cached_tokens,
    reasoning_tokens = h.reasoning_tokens + excluded.reasoning_tokens,
    cost_usd = h.cost_usd + excluded.cost_usd,
    cost_unknown_calls = h.cost_unknown_calls + excluded.cost_unknown_calls,
    first_call_at = least(h.first_call_at, excluded.first_call_at),
    last_call_at = greatest(h.last_call_at, excluded.last_call_at);
  return null;
end;
$$;
comment on function private.llm_usage_roll_up() is
  'Statement-level AFTER INSERT trigger of public.llm_call_logs: adds the inserted rows (its transition table) to every rollup table in one statement';
revoke execute on function private.llm_usage_roll_up() from public, anon, authenticated, service_role;

-- Create the trigger and back-fill the rows already logged in one transaction, holding off
-- writers meanwhile, so every row is counted exactly once (a DO block is one transaction even
-- where the migration runner does not wrap the file in one). The back-fill goes through the same
-- trigger function as a batch does: each partition (and each archived month, whose cost history
-- is kept too) is copied, only the columns the rollups read, into a temporary table that carries
-- the same trigger.
do $backfill$
declare
  v_source regclass;
begin
  lock table public.llm_call_logs in share row exclusive mode;
  create trigger llm_call_logs_roll_up
    after insert on public.llm_call_logs
    referencing new table as new_rows
    for each statement
    execute function private.llm_usage_roll_up();

  create temporary table llm_usage_backfill (
    created_at timestamptz,
    edge_function text,
    model text,
    user_id text,
    status text,
    method_type text,
    prompt_tokens integer,
    completion_tokens integer,
    total_tokens integer,
    cached_tokens integer,
    reasoning_tokens integer,
    cost_usd numeric,
    response_time_ms integer,
    time_to_first_token_ms integer
  ) on commit drop;
  create trigger llm_usage_backfill_roll_up
    after insert on pg_temp.llm_usage_backfill
    referencing new table as new_rows
    for each statement
    execute function private.llm_usage_roll_up();

  for v_source in
    select p.relid::regclass from private.llm_call_logs_partitions() p
    union all
    select c.oid::regclass from pg_class c
    where c.relnamespace = 'llm_logs_archive'::regnamespace and c.relkind = 'r'
      and c.relname like 'llm\_call\_logs\_%'
  loop
    execute format(
      'insert into pg_temp.llm_usage_backfill select created_at, edge_function, model, user_id, '
      'status, method_type, prompt_tokens, completion_tokens, total_tokens, cached_tokens, '
      'reasoning_tokens, cost_usd, response_time_ms, time_to_first_token_ms from %s',
      v_source
    );
    truncate pg_temp.llm_usage_backfill;
  end loop;
  drop table pg_temp.llm_usage_backfill;
end
$backfill$;
