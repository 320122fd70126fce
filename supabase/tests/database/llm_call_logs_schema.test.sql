-- llm_call_logs: columns, keys, constraints, indexes, partitions and the RLS policy.
begin;
select plan(27);

select has_table('public', 'llm_call_logs', 'llm_call_logs exists in public');
select is_partitioned('public', 'llm_call_logs', 'llm_call_logs is partitioned');
select is(
  (select pg_get_partkeydef('public.llm_call_logs'::regclass)),
  'RANGE (created_at)',
  'it is range-partitioned on created_at'
);

-- The same contract as LOG_COLUMNS in supabase/functions/_shared/llm/log-row.ts.
select results_eq(
  $$select column_name::text collate "default", data_type::text collate "default",
      is_nullable::text collate "default"
    from information_schema.columns
    where table_schema = 'public' and table_name = 'llm_call_logs'
    order by ordinal_position$$,
  $$values
    ('id', 'uuid', 'NO'),
    ('created_at', 'timestamp with time zone', 'NO'),
    ('completed_at', 'timestamp with time zone', 'YES'),
    ('request_id', 'text', 'YES'),
    ('edge_function', 'text', 'YES'),
    ('user_id', 'text', 'YES'),
    ('method_type', 'text', 'NO'),
    ('model', 'text', 'NO'),
    ('response_model', 'text', 'YES'),
    ('provider', 'text', 'YES'),
    ('generation_id', 'text', 'YES'),
    ('status', 'text', 'NO'),
    ('request_messages', 'jsonb', 'NO'),
    ('request_params', 'jsonb', 'YES'),
    ('response_body', 'jsonb', 'YES'),
    ('completion_text', 'text', 'YES'),
    ('finish_reason', 'text', 'YES'),
    ('prompt_tokens', 'integer', 'YES'),
    ('completion_tokens', 'integer', 'YES'),
    ('total_tokens', 'integer', 'YES'),
    ('cached_tokens', 'integer', 'YES'),
    ('reasoning_tokens', 'integer', 'YES'),
    ('cost_usd', 'numeric', 'YES'),
    ('cost_source', 'text', 'YES'),
    ('response_time_ms', 'integer', 'YES'),
    ('time_to_first_token_ms', 'integer', 'YES'),
    ('http_status', 'integer', 'YES'),
    ('error_type', 'text', 'YES'),
    ('error_message', 'text', 'YES'),
    ('error_details', 'jsonb', 'YES'),
    ('metadata', 'jsonb', 'NO')$$,
  'columns, types and nullability match the TypeScript contract, in order'
);

select col_is_pk('public', 'llm_call_logs', array['id', 'created_at'], 'the primary key is (id, created_at)');
select col_default_is('public', 'llm_call_logs', 'created_at', 'now()', 'created_at defaults to now()');
select col_default_is('public', 'llm_call_logs', 'metadata', '{}'::jsonb, 'metadata defaults to {}');

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

-- Check constraints.
select throws_ok(
  $$insert into public.llm_call_logs (method_type, model, status, request_messages)
    values ('batch', 'm', 'completed', '[]')$$,
  '23514', null, 'method_type is chat_completion or stream_completion'
);
select throws_ok(
  $$insert into public.llm_call_logs (method_type, model, status, request_messages)
    values ('chat_completion', 'm', 'pending', '[]')$$,
  '23514', null, 'status is completed, failed or cancelled'
);
select throws_ok(
  $$insert into public.llm_call_logs (method_type, model, status, request_messages, cost_usd, cost_source)
    values ('chat_completion', 'm', 'completed', '[]', 0.1, 'guessed')$$,
  '23514', null, 'cost_source is provider or estimated'
);
select throws_ok(
  $$insert into public.llm_call_logs (method_type, model, status, request_messages, cost_usd)
    values ('chat_completion', 'm', 'completed', '[]', 0.1)$$,
  '23514', null, 'a known cost needs its source'
);
select throws_ok(
  $$insert into public.llm_call_logs (method_type, model, status, request_messages, prompt_tokens)
    values ('chat_completion', 'm', 'completed', '[]', -1)$$,
  '23514', null, 'token counts are not negative'
);
select throws_ok(
  $$insert into public.llm_call_logs (method_type, model, status, request_messages, response_time_ms)
    values ('chat_completion', 'm', 'completed', '[]', -1)$$,
  '23514', null, 'durations are not negative'
);
select lives_ok(
  $$insert into public.llm_call_logs
      (method_type, model, status, request_messages, cost_usd, cost_source, prompt_tokens)
    values ('stream_completion', 'm', 'cancelled', '[]', 0.00000735, 'provider', 0)$$,
  'a valid row with an exact tiny cost is accepted'
);
select is(
  (select cost_usd::text from public.llm_call_logs where status = 'cancelled'),
  '0.00000735',
  'cost_usd is stored exactly'
);

-- Partitions.
select is_partition_of('llm_logs_partitions', 'llm_call_logs_default', 'public', 'llm_call_logs',
  'a default partition catches rows outside the monthly ones');
select is(
  (select count(*)::int from private.llm_call_logs_partitions() where not is_default),
  5,
  'monthly partitions exist from last month to three months ahead'
);
select ok(
  (select bool_and(range_start = date_trunc('month', range_start, 'UTC')
     and range_end = range_start + interval '1 month')
   from private.llm_call_logs_partitions() where not is_default),
  'each monthly partition covers one UTC month'
);

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
