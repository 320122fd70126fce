-- llm_call_logs access: grants, what each API role can read and write, partitions and
-- maintenance functions out of reach, and views that obey RLS.
begin;
select plan(46);

-- Seed as postgres (the table owner): two rows for alice, one each for bob and mallory, one
-- for an application user id and one without a user.
insert into public.llm_call_logs (request_id, user_id, method_type, model, status, request_messages, total_tokens)
values
  ('alice-1', '00000000-0000-4000-8000-00000000a11c', 'chat_completion', 'm', 'completed', '[]', 10),
  ('alice-2', '00000000-0000-4000-8000-00000000a11c', 'chat_completion', 'm', 'failed', '[]', 10),
  ('bob-1', '00000000-0000-4000-8000-000000000b0b', 'chat_completion', 'm', 'completed', '[]', 10),
  ('mallory-1', '00000000-0000-4000-8000-0000000ba115', 'chat_completion', 'm', 'completed', '[]', 10),
  ('app-1', 'user_456', 'stream_completion', 'm', 'completed', '[]', 10),
  ('none-1', null, 'chat_completion', 'm', 'completed', '[]', 10);

-- Grants: exactly what each role needs, whatever the project's default privileges.
select table_privs_are('public', 'llm_call_logs', 'anon', array[]::text[], 'anon has no privilege');
select table_privs_are('public', 'llm_call_logs', 'authenticated', array['SELECT'],
  'authenticated may only select');
select table_privs_are('public', 'llm_call_logs', 'service_role', array['INSERT', 'SELECT'],
  'service_role may select and insert');
select ok(
  not exists (
    select from pg_inherits i
    join pg_class c on c.oid = i.inhrelid
    cross join unnest(array['anon', 'authenticated', 'service_role']) as r(role)
    where i.inhparent = 'public.llm_call_logs'::regclass
      and (has_table_privilege(r.role, c.oid, 'select, insert, update, delete, truncate')
        or has_schema_privilege(r.role, c.relnamespace, 'usage'))
  ),
  'no API role has a privilege on any partition or may use its schema'
);
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

-- anon: nothing at all.
set local role anon;
select throws_ok('select * from public.llm_call_logs', '42501', null, 'anon cannot select');
select throws_ok(
  $$insert into public.llm_call_logs (method_type, model, status, request_messages)
    values ('chat_completion', 'm', 'completed', '[]')$$,
  '42501', null, 'anon cannot insert'
);
select throws_ok('select * from public.llm_usage_daily', '42501', null, 'anon cannot read llm_usage_daily');
select throws_ok('select * from public.llm_usage_by_user', '42501', null,
  'anon cannot read llm_usage_by_user');
select throws_ok('select * from llm_logs_partitions.llm_call_logs_default', '42501', null,
  'anon cannot read a partition');
select throws_ok($$select * from private.llm_call_logs_apply_retention(1, 'drop')$$, '42501', null,
  'anon cannot run retention');
reset role;

-- alice: her own rows only, no writes.
set local role authenticated;
set local request.jwt.claims = '{"sub":"00000000-0000-4000-8000-00000000a11c","role":"authenticated"}';
select results_eq('select request_id from public.llm_call_logs order by request_id',
  array['alice-1', 'alice-2'], 'a user reads only their own rows');
select throws_ok(
  $$insert into public.llm_call_logs (user_id, method_type, model, status, request_messages)
    values ('00000000-0000-4000-8000-00000000a11c', 'chat_completion', 'm', 'completed', '[]')$$,
  '42501', null, 'a user cannot insert, even a row of their own'
);
select throws_ok($$update public.llm_call_logs set status = 'completed'$$, '42501', null,
  'a user cannot update');
select throws_ok('delete from public.llm_call_logs', '42501', null, 'a user cannot delete');
select results_eq('select calls::int, failures::int from public.llm_usage_by_user',
  $$values (2, 1)$$, 'llm_usage_by_user shows a user only their own calls');
select results_eq('select sum(calls)::int from public.llm_usage_daily', array[2],
  'llm_usage_daily counts only the user''s own calls');
select throws_ok('select * from public.llm_call_logs_storage', '42501', null,
  'a user cannot read the storage report');
select throws_ok('select * from private.llm_call_logs_storage_report(true)', '42501', null,
  'nor call the report function directly');
select throws_ok('select * from llm_logs_partitions.llm_call_logs_default', '42501', null,
  'a user cannot read a partition directly');
select throws_ok('select * from private.llm_call_logs_create_partitions()', '42501', null,
  'a user cannot create partitions');

-- mallory wrote role = admin into her user_metadata, which any user can do: it grants nothing.
set local request.jwt.claims = '{"sub":"00000000-0000-4000-8000-0000000ba115","role":"authenticated","user_metadata":{"role":"admin"}}';
select results_eq('select request_id from public.llm_call_logs', array['mallory-1'],
  'user_metadata.role = admin still reads only its own rows');
select throws_ok('select * from public.llm_call_logs_storage', '42501', null,
  'user_metadata.role = admin cannot read the storage report');

-- An admin: app_metadata.role = admin, set only with the service key. Reads all, writes nothing.
set local request.jwt.claims = '{"sub":"00000000-0000-4000-8000-0000000ad814","role":"authenticated","app_metadata":{"provider":"email","role":"admin"}}';
select results_eq('select count(*)::int from public.llm_call_logs', array[6], 'an admin reads every row');
select results_eq('select count(*)::int from public.llm_usage_by_user', array[5],
  'an admin sees every user in llm_usage_by_user');
select throws_ok($$update public.llm_call_logs set status = 'completed'$$, '42501', null,
  'an admin cannot update');
select throws_ok('delete from public.llm_call_logs', '42501', null, 'an admin cannot delete');
select throws_ok(
  $$insert into public.llm_call_logs (method_type, model, status, request_messages)
    values ('chat_completion', 'm', 'completed', '[]')$$,
  '42501', null, 'an admin cannot insert'
);
select ok((select count(*) from public.llm_call_logs_storage) >= 6,
  'an admin reads the storage report');
select throws_ok('select * from llm_logs_partitions.llm_call_logs_default', '42501', null,
  'an admin cannot read a partition directly either');
reset role;

-- The service role: inserts and reads everything (BYPASSRLS), never updates or deletes.
set local role service_role;
set local request.jwt.claims = '{"role":"service_role"}';
select lives_ok(
  $$insert into public.llm_call_logs (request_id, user_id, method_type, model, status, request_messages)
    values ('service-1', '00000000-0000-4000-8000-00000000a11c', 'chat_completion', 'm', 'completed', '[]')$$,
  'the service role inserts'
);
select results_eq('select count(*)::int from public.llm_call_logs', array[7],
  'the service role reads every row');
select throws_ok($$update public.llm_call_logs set status = 'completed'$$, '42501', null,
  'the service role cannot update');
select throws_ok('delete from public.llm_call_logs', '42501', null, 'the service role cannot delete');
select throws_ok('select * from llm_logs_partitions.llm_call_logs_default', '42501', null,
  'the service role cannot read a partition directly');
select results_eq('select sum(row_count)::int from private.llm_call_logs_storage_report(true)',
  array[7], 'the service role reads the storage report with exact counts');
select throws_ok($$select * from private.llm_call_logs_schedule_retention(1, 'drop')$$, '42501',
  null, 'the service role cannot schedule retention');
select throws_ok('select private.llm_call_logs_unschedule_retention()', '42501', null,
  'the service role cannot unschedule retention');
select throws_ok('select * from private.llm_call_logs_cron_jobs()', '42501', null,
  'the service role cannot list the maintenance jobs');
reset role;

-- Views run as the caller.
select is(
  (select array_agg(relname::text order by relname) from pg_class
   where relnamespace = 'public'::regnamespace and relkind = 'v'
     and relname in ('llm_usage_daily', 'llm_usage_by_user', 'llm_call_logs_storage')
     and reloptions @> array['security_invoker=true']),
  array['llm_call_logs_storage', 'llm_usage_by_user', 'llm_usage_daily'],
  'every reporting view is security_invoker'
);
select table_privs_are('public', 'llm_usage_daily', 'anon', array[]::text[],
  'anon has no privilege on llm_usage_daily');
select table_privs_are('public', 'llm_usage_by_user', 'authenticated', array['SELECT'],
  'authenticated may only select from llm_usage_by_user');

select * from finish();
rollback;
