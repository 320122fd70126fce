-- llm_call_logs maintenance with pg_cron: partitions are created on a schedule automatically;
-- retention never runs unless you ask for it.
--
-- pg_cron is enabled `with schema pg_catalog`, as Supabase does (pg_cron 1.5 and later refuse
-- any other schema). Where it cannot be enabled (a plain Postgres without it, PGlite, or a
-- database other than the one `cron.database_name` names) this migration still applies, says
-- so in a notice, and nothing is scheduled: run the maintenance functions yourself.
--
-- Deleting logs is the owner's decision, so retention is one explicit call (as `postgres`, in
-- the SQL editor):
--
--   select * from private.llm_call_logs_schedule_retention(12, 'drop');  -- or 'archive'
--   select private.llm_call_logs_unschedule_retention();
--   select * from private.llm_call_logs_cron_jobs();                     -- what is scheduled
--
-- 20261126120100 used to schedule a daily `drop` of months older than 12 wherever pg_cron was
-- already enabled. This migration removes that job when it is still exactly as that migration
-- created it (a job someone changed is theirs and stays), so databases that applied it and
-- fresh ones end the same. Every function here runs with its caller's rights and only the
-- table owner may execute it: the API roles cannot schedule or list jobs. pg_cron is reached
-- through dynamic SQL, so these functions exist (and lint clean) where pg_cron does not.

-- The llm_call_logs jobs pg_cron holds; no rows where pg_cron is not enabled.
create function private.llm_call_logs_cron_jobs()
returns table (job_name text, schedule text, command text, active boolean)
language plpgsql
stable
set search_path = ''
as $$
begin
  if not exists (select from pg_catalog.pg_extension where extname = 'pg_cron') then
    raise notice 'pg_cron is not enabled in this database: nothing is scheduled';
    return;
  end if;
  return query execute
    'select j.jobname::text, j.schedule::text, j.command::text, j.active from cron.job j '
    'where j.jobname like ''llm-call-logs-%'' order by j.jobname';
end;
$$;
comment on function private.llm_call_logs_cron_jobs() is
  'The pg_cron jobs of llm_call_logs maintenance (name, schedule in UTC, command, active); no rows where pg_cron is not enabled';

-- Raises unless pg_cron is enabled here; p_action says what could not be done.
create function private.llm_call_logs_require_cron(p_action text)
returns void
language plpgsql
stable
set search_path = ''
as $$
begin
  if not exists (select from pg_catalog.pg_extension where extname = 'pg_cron') then
    raise exception 'Cannot %: pg_cron is not enabled in this database', p_action
      using errcode = '55000',
        hint = 'Enable it with "create extension pg_cron with schema pg_catalog" (on Supabase: '
          'Database > Extensions), or run the maintenance yourself: see docs/retention.md';
  end if;
end;
$$;
comment on function private.llm_call_logs_require_cron(text) is
  'Raises 55000 naming p_action when pg_cron is not enabled in this database';

-- Schedules monthly partition creation (job llm-call-logs-create-partitions, 00:07 UTC on the
-- 1st). The migration calls it; call it yourself after enabling pg_cron later.
create function private.llm_call_logs_schedule_partitions()
returns table (job_name text, schedule text, command text, active boolean)
language plpgsql
set search_path = ''
as $$
begin
  perform private.llm_call_logs_require_cron('schedule partition creation');
  -- Scheduling by name replaces a job of the same name: calling this again changes nothing.
  execute 'select cron.schedule($1, $2, $3)' using
    'llm-call-logs-create-partitions',
    '7 0 1 * *',
    'select private.llm_call_logs_create_partitions(3, 1)';
  return query
    select * from private.llm_call_logs_cron_jobs() j
    where j.job_name = 'llm-call-logs-create-partitions';
end;
$$;
comment on function private.llm_call_logs_schedule_partitions() is
  'Schedules llm-call-logs-create-partitions with pg_cron (00:07 UTC on the 1st: previous month to 3 months ahead); raises 55000 without pg_cron';

-- The opt-in: schedules retention (job llm-call-logs-retention), replacing an earlier schedule.
create function private.llm_call_logs_schedule_retention(
  p_keep_months integer,
  p_mode text,
  p_schedule text default '17 3 * * *'
)
returns table (job_name text, schedule text, command text, active boolean)
language plpgsql
set search_path = ''
as $$
begin
  if p_keep_months is null or p_keep_months < 1 or p_keep_months > 1200 then
    raise exception 'Cannot schedule retention: keep_months must be from 1 to 1200, got %',
      coalesce(p_keep_months::text, 'null') using errcode = '22023';
  end if;
  if p_mode is null or p_mode not in ('drop', 'archive') then
    raise exception 'Cannot schedule retention: mode must be "drop" or "archive", got %',
      coalesce(quote_literal(p_mode), 'null') using errcode = '22023';
  end if;
  if p_schedule is null or btrim(p_schedule) = '' then
    raise exception 'Cannot schedule retention: schedule must be a cron expression such as "17 3 * * *"'
      using errcode = '22023';
  end if;
  perform private.llm_call_logs_require_cron('schedule retention');
  execute 'select cron.schedule($1, $2, $3)' using
    'llm-call-logs-retention',
    p_schedule,
    format('select private.llm_call_logs_apply_retention(%s, %L)', p_keep_months, p_mode);
  return query
    select * from private.llm_call_logs_cron_jobs() j where j.job_name = 'llm-call-logs-retention';
end;
$$;
comment on function private.llm_call_logs_schedule_retention(integer, text, text) is
  'Opt-in retention: schedules private.llm_call_logs_apply_retention(p_keep_months, p_mode) with pg_cron (default daily at 03:17 UTC), replacing an earlier retention job; mode drop or archive; raises 22023 on bad arguments, 55000 without pg_cron';

-- Removes the retention job; true if there was one.
create function private.llm_call_logs_unschedule_retention()
returns boolean
language plpgsql
set search_path = ''
as $$
declare
  v_jobid bigint;
begin
  perform private.llm_call_logs_require_cron('unschedule retention');
  execute 'select jobid from cron.job where jobname = $1' into v_jobid
    using 'llm-call-logs-retention';
  if v_jobid is null then
    return false;
  end if;
  execute 'select cron.unschedule($1)' using v_jobid;
  return true;
end;
$$;
comment on function private.llm_call_logs_unschedule_retention() is
  'Removes the llm-call-logs-retention pg_cron job; returns whether one existed; raises 55000 without pg_cron';

revoke execute on function
  private.llm_call_logs_cron_jobs(),
  private.llm_call_logs_require_cron(text),
  private.llm_call_logs_schedule_partitions(),
  private.llm_call_logs_schedule_retention(integer, text, text),
  private.llm_call_logs_unschedule_retention()
  from public, anon, authenticated, service_role;

-- Enable pg_cron where possible, drop the retention job nobody asked for, schedule partitions.
do $cron$
declare
  v_manual constant text :=
    'run "select private.llm_call_logs_create_partitions();" at least monthly yourself, and '
    'retention only if you want it (see docs/retention.md)';
  v_legacy_jobid bigint;
begin
  if not exists (select from pg_catalog.pg_extension where extname = 'pg_cron') then
    if not exists (select from pg_catalog.pg_available_extensions where name = 'pg_cron') then
      raise notice 'pg_cron is not available here: nothing is scheduled; %', v_manual;
      return;
    end if;
    begin
      create extension pg_cron with schema pg_catalog;
    exception when others then
      -- pg_cron loads only through shared_preload_libraries, and only in cron.database_name.
      raise notice 'pg_cron could not be enabled in this database (%): nothing is scheduled; %',
        sqlerrm, v_manual;
      return;
    end;
  end if;

  execute 'select jobid from cron.job where jobname = $1 and schedule = $2 and command = $3'
    into v_legacy_jobid
    using 'llm-call-logs-retention', '17 3 * * *',
      'select private.llm_call_logs_apply_retention(12, ''drop'')';
  if v_legacy_jobid is not null then
    execute 'select cron.unschedule($1)' using v_legacy_jobid;
    raise notice 'Removed the llm-call-logs-retention job an earlier migration scheduled without being asked; opt in with "select * from private.llm_call_logs_schedule_retention(12, ''drop'');"';
  end if;

  perform private.llm_call_logs_schedule_partitions();
  raise notice 'pg_cron job llm-call-logs-create-partitions is scheduled (monthly); retention is not (opt in with private.llm_call_logs_schedule_retention)';
end
$cron$;
