-- llm_call_logs, as the catalogue states it: partitioning, primary key, indexes and the RLS
-- policy. Columns, defaults, check constraints, exact decimals and the partitions themselves are
-- checked in tests/database/schema-contract.test.ts and retention.test.ts, which the default test
-- command runs on PGlite and CI on PostgreSQL.
begin;
select plan(16);

select has_table('public', 'llm_call_logs', 'llm_call_logs exists in public');
select is_partitioned('public', 'llm_call_logs', 'llm_call_logs is partitioned');
select is(
  (select pg_get_partkeydef('public.llm_call_logs'::regclass)),
  'RANGE (created_at)',
  'it is range-partitioned on created_at'
);

select col_is_pk('public', 'llm_call_logs', array['id', 'created_at'], 'the primary key is (id, created_at)');

select has_index('public', 'llm_call_logs', 'llm_call_logs_created_at_idx', array['created_at'],
  'recent calls and time windows are indexed');
select has_index('public', 'llm_call_logs', 'llm_call_logs_user_id_created_at_idx',
  array['user_id', 'created_at'], 'the RLS filter column is indexed');
select has_index('public', 'llm_call_logs', 'llm_call_logs_failed_created_at_idx', array['created_at'],
  'failed calls have a partial index');
select is(
  (select pg_get_expr(indpred, indrelid) from pg_index
   where indexrelid = 'public.llm_call_logs_failed_created_at_idx'::regclass),
  '(status = ''failed''::text)',
  'the partial index covers failed calls only'
);
select has_index('public', 'llm_call_logs', 'llm_call_logs_model_created_at_idx',
  array['model', 'created_at'], 'one model''s calls are indexed in time order');
select has_index('public', 'llm_call_logs', 'llm_call_logs_edge_function_created_at_idx',
  array['edge_function', 'created_at'], 'one Edge Function''s calls are indexed in time order');
select has_index('public', 'llm_call_logs', 'llm_call_logs_cancelled_created_at_idx',
  array['created_at'], 'cancelled calls have a partial index');

-- Row-level security.
select ok(
  (select relrowsecurity from pg_class where oid = 'public.llm_call_logs'::regclass),
  'RLS is enabled on llm_call_logs'
);
select policies_are('public', 'llm_call_logs', array['llm_call_logs_select_own_or_admin'],
  'one policy, for reading');
select policy_roles_are('public', 'llm_call_logs', 'llm_call_logs_select_own_or_admin',
  array['authenticated'], 'the policy applies to authenticated only');
select policy_cmd_is('public', 'llm_call_logs', 'llm_call_logs_select_own_or_admin', 'select',
  'the policy is for select');
select ok(
  (select qual ~ '\( SELECT auth\.uid\(\) AS uid\)' and qual ~ '\( SELECT auth\.jwt\(\) AS jwt\)'
     and qual ~ 'app_metadata' and qual !~ 'user_metadata'
   from pg_policies where tablename = 'llm_call_logs'),
  'the policy wraps auth helpers in select and reads app_metadata, never user_metadata'
);

select * from finish();
rollback;
