-- llm_call_logs maintenance: monthly partitions ahead of time, retention by whole months, and a
-- storage report.
--
-- Everything lives in the `private` schema, which the Data API does not expose, and runs with
-- its caller's rights: no function here is `security definer`. The maintenance functions need
-- the table owner (`postgres`, which runs migrations, the SQL editor and pg_cron jobs) and nobody
-- else may execute them. The storage report may be executed by `authenticated` (it answers
-- admins only) and `service_role`: it reads catalog sizes and statistics, which need no
-- privilege, and counts rows through the parent table, where RLS applies.
--
-- Defaults: partitions for the previous month, the current one and the next 3; retention keeps
-- the current month and the 12 full months before it and drops older months. With pg_cron, a
-- monthly and a daily job run these; without it (a bare Postgres, PGlite, or a database other
-- than the one pg_cron serves) the migration still applies and says how to run them yourself.
-- Month boundaries are UTC midnights on the 1st. See docs/retention.md.

-- Partitions inherit neither the parent's RLS nor its grants, and some projects grant new
-- tables to the API roles by default: every table this migration's functions create goes
-- through this, so it can only be read through the parent (where RLS applies) or by its owner.
create function private.llm_call_logs_revoke_api_access(p_table regclass)
returns void
language plpgsql
set search_path = ''
as $$
begin
  execute format('revoke all on table %s from public, anon, authenticated, service_role', p_table);
end;
$$;
comment on function private.llm_call_logs_revoke_api_access(regclass) is
  'Revokes every privilege of public, anon, authenticated and service_role on a partition or archived table';

-- The partitions of public.llm_call_logs with their bounds. Bounds are read back from the
-- catalog text, printed in UTC and ISO style whatever the session's settings.
create function private.llm_call_logs_partitions()
returns table (
  schema_name text,
  table_name text,
  range_start timestamptz,
  range_end timestamptz,
  is_default boolean,
  relid oid
)
language sql
stable
set search_path = ''
set timezone = 'UTC'
set datestyle = 'ISO, YMD'
as $$
  select
    n.nspname::text,
    c.relname::text,
    bounds[1]::timestamptz,
    bounds[2]::timestamptz,
    pg_get_expr(c.relpartbound, c.oid) = 'DEFAULT',
    c.oid
  from pg_inherits i
  join pg_class c on c.oid = i.inhrelid
  join pg_namespace n on n.oid = c.relnamespace
  cross join lateral regexp_match(
    pg_get_expr(c.relpartbound, c.oid),
    'FROM \(''([^'']+)''\) TO \(''([^'']+)''\)'
  ) as bounds
  where i.inhparent = 'public.llm_call_logs'::regclass
  order by bounds[1]::timestamptz nulls first
$$;
comment on function private.llm_call_logs_partitions() is
  'Partitions of public.llm_call_logs with their [range_start, range_end) bounds; the DEFAULT partition has null bounds';

-- Creates the partition of the month containing p_month, unless it exists. Rows of that month
-- already sitting in the DEFAULT partition are moved into it: Postgres refuses to create a
-- partition whose range has rows in the default partition.
create function private.llm_call_logs_create_partition(p_month timestamptz)
returns table (table_name text, range_start timestamptz, range_end timestamptz, rows_moved bigint)
language plpgsql
set search_path = ''
set timezone = 'UTC'
set datestyle = 'ISO, YMD'
set lock_timeout = '5s'
as $$
declare
  v_start timestamptz := date_trunc('month', p_month);
  v_end timestamptz := date_trunc('month', p_month) + interval '1 month';
  v_name text := 'llm_call_logs_p' || to_char(date_trunc('month', p_month), 'YYYY_MM');
  v_default regclass;
  v_has_rows boolean := false;
  v_moved bigint := 0;
begin
  if p_month is null or not isfinite(p_month) then
    raise exception 'Cannot create a partition for month %', p_month using errcode = '22023';
  end if;
  if exists (select from private.llm_call_logs_partitions() p where p.range_start = v_start) then
    return;
  end if;

  -- Creating or attaching a partition locks the parent; taking that lock first, before the
  -- default partition's, avoids a deadlock with concurrent inserts. It is held for
  -- milliseconds unless the default partition holds many rows of this month.
  lock table public.llm_call_logs in access exclusive mode;
  if exists (select from private.llm_call_logs_partitions() p where p.range_start = v_start) then
    return; -- created meanwhile by a concurrent run
  end if;
  select p.relid::regclass into v_default from private.llm_call_logs_partitions() p where p.is_default;
  if v_default is not null then
    execute format(
      'select exists (select from %s where created_at >= $1 and created_at < $2)', v_default
    ) into v_has_rows using v_start, v_end;
  end if;

  if v_has_rows then
    execute format(
      'create table llm_logs_partitions.%I (like public.llm_call_logs including defaults including constraints including storage)',
      v_name
    );
    execute format(
      'with moved as (delete from %s where created_at >= $1 and created_at < $2 returning *) '
      'insert into llm_logs_partitions.%I select * from moved',
      v_default, v_name
    ) using v_start, v_end;
    get diagnostics v_moved = row_count;
    execute format(
      'alter table public.llm_call_logs attach partition llm_logs_partitions.%I for values from (%L) to (%L)',
      v_name, v_start, v_end
    );
  else
    execute format(
      'create table llm_logs_partitions.%I partition of public.llm_call_logs for values from (%L) to (%L)',
      v_name, v_start, v_end
    );
  end if;

  perform private.llm_call_logs_revoke_api_access(format('llm_logs_partitions.%I', v_name)::regclass);
  execute format(
    'comment on table llm_logs_partitions.%I is %L',
    v_name,
    format('Partition of public.llm_call_logs for created_at in [%s, %s)', v_start, v_end)
  );
  return query select v_name, v_start, v_end, v_moved;
end;
$$;
comment on function private.llm_call_logs_create_partition(timestamptz) is
  'Creates the monthly partition containing p_month (UTC months) unless it exists, moving that month''s rows out of the DEFAULT partition';

-- Creates the partitions from p_months_back months ago to p_months_ahead months ahead.
create function private.llm_call_logs_create_partitions(
  p_months_ahead integer default 3,
  p_months_back integer default 1
)
returns table (table_name text, range_start timestamptz, range_end timestamptz, rows_moved bigint)
language plpgsql
set search_path = ''
set timezone = 'UTC'
as $$
declare
  v_offset integer;
begin
  if p_months_ahead is null or p_months_ahead < 0 or p_months_back is null or p_months_back < 0
  then
    raise exception 'Cannot create partitions: months ahead and back must be 0 or more, got % and %',
      p_months_ahead, p_months_back using errcode = '22023';
  end if;
  for v_offset in -p_months_back .. p_months_ahead loop
    return query
      select * from private.llm_call_logs_create_partition(
        date_trunc('month', now()) + make_interval(months => v_offset)
      );
  end loop;
end;
$$;
comment on function private.llm_call_logs_create_partitions(integer, integer) is
  'Creates missing monthly partitions of public.llm_call_logs from p_months_back months ago to p_months_ahead months ahead (default: previous month to 3 months ahead); returns the ones it created';

-- Removes whole months older than the retention window: detach (a catalog change, no scan; plain
-- DETACH because CONCURRENTLY cannot run inside a function), then drop the table or move it to
-- llm_logs_archive. Nothing is deleted from the parent. Rows older than the cutoff in the
-- DEFAULT partition are deleted (drop) or moved to llm_logs_archive.llm_call_logs_default_archive
-- (archive); that scans only the default partition, normally tiny.
create function private.llm_call_logs_apply_retention(
  p_keep_months integer default 12,
  p_mode text default 'drop',
  p_dry_run boolean default false
)
returns table (
  action text,
  table_name text,
  range_start timestamptz,
  range_end timestamptz,
  rows_affected bigint
)
language plpgsql
set search_path = ''
set timezone = 'UTC'
set datestyle = 'ISO, YMD'
set lock_timeout = '5s'
as $$
declare
  v_cutoff timestamptz;
  v_part record;
  v_target text;
  v_default regclass;
  v_rows bigint;
begin
  if p_keep_months is null or p_keep_months < 1 then
    raise exception 'Cannot apply retention: keep_months must be 1 or more, got %', p_keep_months
      using errcode = '22023';
  end if;
  if p_mode is null or p_mode not in ('drop', 'archive') then
    raise exception 'Cannot apply retention: mode must be "drop" or "archive", got %', p_mode
      using errcode = '22023';
  end if;
  v_cutoff := date_trunc('month', now()) - make_interval(months => p_keep_months);

  for v_part in
    select p.schema_name, p.table_name, p.range_start, p.range_end
    from private.llm_call_logs_partitions() p
    where not p.is_default and p.range_end <= v_cutoff
    order by p.range_start
  loop
    v_target := v_part.table_name;
    if not p_dry_run then
      execute format(
        'alter table public.llm_call_logs detach partition %I.%I', v_part.schema_name, v_part.table_name
      );
      if p_mode = 'drop' then
        execute format('drop table %I.%I', v_part.schema_name, v_part.table_name);
      else
        -- The same month archived twice (it was recreated later) gets a suffix.
        if to_regclass(format('llm_logs_archive.%I', v_target)) is not null then
          v_target := v_target || '_' || to_char(clock_timestamp(), 'YYYYMMDD_HH24MISS');
          execute format(
            'alter table %I.%I rename to %I', v_part.schema_name, v_part.table_name, v_target
          );
        end if;
        execute format('alter table %I.%I set schema llm_logs_archive', v_part.schema_name, v_target);
        execute format(
          'comment on table llm_logs_archive.%I is %L',
          v_target,
          format('Archived partition of public.llm_call_logs: created_at in [%s, %s), detached on %s',
            v_part.range_start, v_part.range_end, now())
        );
      end if;
    end if;
    action := case when p_dry_run then 'would ' || p_mode when p_mode = 'drop' then 'dropped'
      else 'archived' end;
    table_name := v_target;
    range_start := v_part.range_start;
    range_end := v_part.range_end;
    rows_affected := null;
    return next;
  end loop;

  select p.relid::regclass into v_default from private.llm_call_logs_partitions() p where p.is_default;
  if v_default is null then
    return;
  end if;
  execute format('select count(*) from %s where created_at < $1', v_default)
    into v_rows using v_cutoff;
  if v_rows > 0 and not p_dry_run and p_mode = 'drop' then
    execute format('delete from %s where created_at < $1', v_default) using v_cutoff;
    get diagnostics v_rows = row_count;
  elsif v_rows > 0 and not p_dry_run then
    if to_regclass('llm_logs_archive.llm_call_logs_default_archive') is null then
      create table llm_logs_archive.llm_call_logs_default_archive
        (like public.llm_call_logs including all);
      perform private.llm_call_logs_revoke_api_access('llm_logs_archive.llm_call_logs_default_archive');
      comment on table llm_logs_archive.llm_call_logs_default_archive is
        'Rows of the DEFAULT partition of public.llm_call_logs older than the retention cutoff, archived by private.llm_call_logs_apply_retention';
    end if;
    execute format(
      'with moved as (delete from %s where created_at < $1 returning *) '
      'insert into llm_logs_archive.llm_call_logs_default_archive select * from moved',
      v_default
    ) using v_cutoff;
    get diagnostics v_rows = row_count;
  end if;
  if v_rows > 0 then
    action := case when p_dry_run then 'would ' || p_mode when p_mode = 'drop' then 'deleted'
      else 'archived' end || ' default rows';
    table_name := (select c.relname::text from pg_class c where c.oid = v_default);
    range_start := null;
    range_end := v_cutoff;
    rows_affected := v_rows;
    return next;
  end if;
end;
$$;
comment on function private.llm_call_logs_apply_retention(integer, text, boolean) is
  'Keeps the current month and the p_keep_months full months before it (default 12). Older monthly partitions are detached, then dropped (p_mode drop, the default) or moved to llm_logs_archive (archive); older rows of the DEFAULT partition are deleted or moved to llm_logs_archive.llm_call_logs_default_archive. p_dry_run only reports';

-- Rows and bytes per partition, archived tables included, for admins, service_role and postgres.
-- It runs with the caller's rights and needs no more: sizes and planner statistics are catalog
-- data any role may read, and exact counts go through the parent table, where RLS lets an admin
-- see every row. Row counts are the planner's estimate (pg_class.reltuples, kept fresh by
-- autovacuum; NULL for a table never analyzed) unless p_exact_counts, which reads every row.
-- Archived tables are counted exactly only for their owner.
create function private.llm_call_logs_storage_report(p_exact_counts boolean default false)
returns table (
  schema_name text,
  table_name text,
  range_start timestamptz,
  range_end timestamptz,
  is_default boolean,
  is_archived boolean,
  row_count bigint,
  row_count_is_exact boolean,
  table_bytes bigint,
  index_bytes bigint,
  total_bytes bigint
)
language plpgsql
stable
set search_path = ''
set timezone = 'UTC'
set datestyle = 'ISO, YMD'
as $$
declare
  v_counts jsonb := '{}';
  v_table record;
begin
  if not (
    current_user in ('postgres', 'service_role', 'supabase_admin')
    or exists (select from pg_roles r where r.rolname = current_user and r.rolsuper)
    or (current_user = 'authenticated'
      and coalesce((select auth.jwt()) -> 'app_metadata' ->> 'role' = 'admin', false))
  ) then
    raise exception 'Only admins and the service role may read the llm_call_logs storage report'
      using errcode = '42501';
  end if;
  if p_exact_counts then
    select coalesce(jsonb_object_agg(counted.relid::text, counted.n), '{}') into v_counts
    from (
      select l.tableoid as relid, count(*) as n from public.llm_call_logs l group by l.tableoid
    ) as counted;
  end if;

  for v_table in
    select p.schema_name, p.table_name, p.range_start, p.range_end, p.is_default,
      false as is_archived, p.relid
    from private.llm_call_logs_partitions() p
    union all
    select n.nspname::text, c.relname::text, month.start, month.start + interval '1 month',
      false, true, c.oid
    from pg_class c
    join pg_namespace n on n.oid = c.relnamespace
    left join lateral (
      select make_timestamptz(m[1]::integer, m[2]::integer, 1, 0, 0, 0, 'UTC') as start
      from regexp_match(c.relname::text, '^llm_call_logs_p(\d{4})_(\d{2})') as m
      where m is not null
    ) as month on true
    where n.nspname = 'llm_logs_archive' and c.relkind = 'r'
    order by 6 desc, 5, 3
  loop
    schema_name := v_table.schema_name;
    table_name := v_table.table_name;
    range_start := v_table.range_start;
    range_end := v_table.range_end;
    is_default := v_table.is_default;
    is_archived := v_table.is_archived;
    row_count_is_exact := p_exact_counts
      and (not v_table.is_archived or has_table_privilege(v_table.relid, 'select'));
    if row_count_is_exact and v_table.is_archived then
      execute format('select count(*) from %s', v_table.relid::regclass) into row_count;
    elsif row_count_is_exact then
      row_count := coalesce((v_counts ->> v_table.relid::text)::bigint, 0);
    else
      row_count := (select nullif(c.reltuples, -1)::bigint from pg_class c where c.oid = v_table.relid);
    end if;
    table_bytes := pg_table_size(v_table.relid);
    index_bytes := pg_indexes_size(v_table.relid);
    total_bytes := pg_total_relation_size(v_table.relid);
    return next;
  end loop;
end;
$$;
comment on function private.llm_call_logs_storage_report(boolean) is
  'Rows and bytes per partition of public.llm_call_logs and per archived table; for admins, service_role and postgres only (raises 42501 otherwise). Row counts are estimates (NULL until first analyzed) unless p_exact_counts';

-- Only the owner (postgres) runs maintenance. The report (and the partition list it reads) is
-- for authenticated (admins, checked inside) and service_role, which also need to use the
-- schema to reach it; neither function gives them any privilege they lack.
revoke execute on function
  private.llm_call_logs_revoke_api_access(regclass),
  private.llm_call_logs_partitions(),
  private.llm_call_logs_create_partition(timestamptz),
  private.llm_call_logs_create_partitions(integer, integer),
  private.llm_call_logs_apply_retention(integer, text, boolean),
  private.llm_call_logs_storage_report(boolean)
  from public, anon, authenticated, service_role;
grant usage on schema private to authenticated, service_role;
grant execute on function
  private.llm_call_logs_partitions(),
  private.llm_call_logs_storage_report(boolean)
  to authenticated, service_role;

-- The previous month, this month and the next three.
select * from private.llm_call_logs_create_partitions(3, 1);

-- Schedule the maintenance with pg_cron where it can be enabled; otherwise say how to run it.
-- Superseded by 20261129110000_llm_call_logs_scheduling.sql, which enables pg_cron in pg_catalog
-- (pg_cron 1.5+ refuses `extensions`, so on Supabase this block schedules nothing unless pg_cron
-- was already enabled) and removes the retention job below: retention is an explicit opt-in.
-- Left as it was applied, so fresh databases and upgraded ones run the same migrations.
do $cron$
declare
  v_manual constant text :=
    'Schedule llm_call_logs maintenance yourself: run "select private.llm_call_logs_create_partitions();" '
    'at least monthly and "select private.llm_call_logs_apply_retention(12, ''drop'');" daily '
    '(see docs/retention.md)';
begin
  if not exists (select from pg_available_extensions where name = 'pg_cron') then
    raise notice 'pg_cron is not available here. %', v_manual;
    return;
  end if;
  begin
    create schema if not exists extensions;
    create extension if not exists pg_cron with schema extensions;
  exception when others then
    -- pg_cron only loads through shared_preload_libraries, and only in cron.database_name.
    raise notice 'pg_cron could not be enabled in this database (%). %', sqlerrm, v_manual;
    return;
  end;
  -- Scheduling by name replaces a job of the same name: running this again changes nothing.
  perform cron.schedule(
    'llm-call-logs-create-partitions',
    '7 0 1 * *',
    'select private.llm_call_logs_create_partitions(3, 1)'
  );
  perform cron.schedule(
    'llm-call-logs-retention',
    '17 3 * * *',
    $$select private.llm_call_logs_apply_retention(12, 'drop')$$
  );
  raise notice 'pg_cron jobs llm-call-logs-create-partitions (monthly) and llm-call-logs-retention (daily, keep 12 months, drop) are scheduled';
end
$cron$;
