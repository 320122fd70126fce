-- llm_call_logs maintenance functions, corrected so that `supabase db lint --fail-on warning`
-- passes (plpgsql_check): same behaviour, same signatures, grants and comments kept.
--
-- - create_partitions declared a `v_offset` that its `for` loop shadowed (unused variable);
-- - apply_retention passed the archive table as a regclass literal, which plpgsql_check
--   resolves before the table exists (it is created on the first archive run);
-- - storage_report initialised a jsonb variable from a text literal (implicit cast).
--
-- `create or replace` reaches databases that applied 20261126120100 as it first was, and fresh
-- ones alike: both end with these definitions.

create or replace function private.llm_call_logs_create_partitions(
  p_months_ahead integer default 3,
  p_months_back integer default 1
)
returns table (table_name text, range_start timestamptz, range_end timestamptz, rows_moved bigint)
language plpgsql
set search_path = ''
set timezone = 'UTC'
as $$
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

create or replace function private.llm_call_logs_apply_retention(
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
      -- Resolved at run time: a regclass literal would name a table that does not exist yet.
      perform private.llm_call_logs_revoke_api_access(
        to_regclass('llm_logs_archive.llm_call_logs_default_archive')
      );
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

create or replace function private.llm_call_logs_storage_report(p_exact_counts boolean default false)
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
  v_counts jsonb := '{}'::jsonb;
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
    select coalesce(jsonb_object_agg(counted.relid::text, counted.n), '{}'::jsonb) into v_counts
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
