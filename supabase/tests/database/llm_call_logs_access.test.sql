-- llm_call_logs access, as the catalogue states it: exact privileges, function security and the
-- archive schema. What each role can actually read and write (RLS, denied writes, partitions,
-- views, the storage report, maintenance functions) is checked by behaviour in
-- tests/database/rls.test.ts, which the default test command runs on PGlite and CI on PostgreSQL.
begin;
select plan(10);

-- Grants: exactly what each role needs, whatever the project's default privileges.
select table_privs_are('public', 'llm_call_logs', 'anon', array[]::text[], 'anon has no privilege');
select table_privs_are('public', 'llm_call_logs', 'authenticated', array['SELECT'],
  'authenticated may only select');
select table_privs_are('public', 'llm_call_logs', 'service_role', array['INSERT', 'SELECT'],
  'service_role may select and insert');
select schema_privs_are('llm_logs_archive', 'authenticated', array[]::text[],
  'authenticated cannot use the archive schema');
select is(
  (select count(*)::int from pg_proc p
   cross join unnest(array['anon', 'authenticated', 'service_role']) as r(role)
   where p.pronamespace = 'private'::regnamespace and p.proname like 'llm_call_logs%'
     and p.proname not in ('llm_call_logs_storage_report', 'llm_call_logs_partitions')
     and has_function_privilege(r.role, p.oid, 'execute')),
  0,
  'no API role may execute a maintenance function'
);
select ok(
  not has_function_privilege('anon', 'private.llm_call_logs_storage_report(boolean)', 'execute'),
  'anon may not execute the storage report'
);
select is(
  (select count(*)::int from pg_proc p
   where p.pronamespace = 'private'::regnamespace and p.proname like 'llm_call_logs%'
     and p.prosecdef),
  0,
  'no function is security definer: each runs with its caller''s rights'
);
select is(
  (select count(*)::int from pg_proc p
   where p.pronamespace = 'private'::regnamespace and p.proname like 'llm_call_logs%'
     and not coalesce(p.proconfig @> array['search_path=""'], false)),
  0,
  'every function has a fixed, empty search_path'
);

-- The reporting views: exact privileges.
select table_privs_are('public', 'llm_usage_daily', 'anon', array[]::text[],
  'anon has no privilege on llm_usage_daily');
select table_privs_are('public', 'llm_usage_by_user', 'authenticated', array['SELECT'],
  'authenticated may only select from llm_usage_by_user');

select * from finish();
rollback;
