-- llm_limits access, as the catalogue states it: exact privileges and the usage function's
-- rights. What each role can read, change and call is checked by behaviour in
-- tests/database/llm-limits.test.ts, which the default test command runs on PGlite and CI on
-- PostgreSQL.
begin;
select plan(3);

select table_privs_are('public', 'llm_limits', 'anon', array[]::text[], 'anon has no privilege');
select table_privs_are('public', 'llm_limits', 'service_role', array['SELECT'],
  'service_role may only select');
select ok(
  not (select prosecdef from pg_proc where oid = 'public.llm_limit_usage(text, timestamptz)'::regprocedure),
  'llm_limit_usage runs with its caller''s rights'
);

select * from finish();
rollback;
