-- llm_limits access: grants, what each API role reads and writes, and who may call the usage
-- function the service reads limits through.
begin;
select plan(16);

insert into public.llm_limits (scope, scope_value, period, max_cost_usd)
values
  ('global', null, 'month', 100),
  ('each_user', null, 'day', 1),
  ('user', '00000000-0000-4000-8000-00000000a11c', 'day', 5),
  ('user', '00000000-0000-4000-8000-000000000b0b', 'day', 0.5);

select table_privs_are('public', 'llm_limits', 'anon', array[]::text[], 'anon has no privilege');
select table_privs_are('public', 'llm_limits', 'service_role', array['SELECT'],
  'service_role may only select');
select ok(
  has_function_privilege('service_role', 'public.llm_limit_usage(text, timestamptz)', 'execute')
    and not has_function_privilege('authenticated', 'public.llm_limit_usage(text, timestamptz)', 'execute')
    and not has_function_privilege('anon', 'public.llm_limit_usage(text, timestamptz)', 'execute'),
  'only service_role may execute llm_limit_usage'
);
select ok(
  not (select prosecdef from pg_proc where oid = 'public.llm_limit_usage(text, timestamptz)'::regprocedure),
  'llm_limit_usage runs with its caller''s rights'
);

-- anon: nothing.
set local role anon;
select throws_ok('select * from public.llm_limits', '42501', null, 'anon cannot select');
select throws_ok('select * from public.llm_limit_usage(null)', '42501', null,
  'anon cannot read usage');
reset role;

-- alice: the limits that apply to her, and no way to change them.
set local role authenticated;
select set_config('request.jwt.claims',
  '{"sub":"00000000-0000-4000-8000-00000000a11c","role":"authenticated"}', true);
select is((select count(*)::int from public.llm_limits), 3,
  'alice reads the global, each_user and her own limit');
select is(
  (select count(*)::int from public.llm_limits
   where scope_value = '00000000-0000-4000-8000-000000000b0b'),
  0,
  'alice cannot read bob''s override'
);
select is_empty(
  $$update public.llm_limits set max_cost_usd = 1000 returning id$$,
  'alice cannot raise any limit, her own included'
);
select throws_ok(
  $$insert into public.llm_limits (scope, scope_value, period, max_cost_usd)
    values ('user', '00000000-0000-4000-8000-00000000a11c', 'hour', 1000)$$,
  '42501', null, 'alice cannot create a limit'
);
select is_empty($$delete from public.llm_limits returning id$$, 'alice cannot delete a limit');
select throws_ok('select * from public.llm_limit_usage(null)', '42501', null,
  'alice cannot call the usage function');

-- A user who set user_metadata.role = admin about themselves is still a plain user.
select set_config('request.jwt.claims',
  '{"sub":"00000000-0000-4000-8000-0000000ba115","role":"authenticated","user_metadata":{"role":"admin"}}',
  true);
select is_empty($$update public.llm_limits set max_cost_usd = 1000 returning id$$,
  'user_metadata.role grants nothing');

-- An admin manages every limit.
select set_config('request.jwt.claims',
  '{"sub":"00000000-0000-4000-8000-0000000ad814","role":"authenticated","app_metadata":{"role":"admin"}}',
  true);
select is((select count(*)::int from public.llm_limits), 4, 'an admin reads every limit');
select lives_ok(
  $$update public.llm_limits set max_cost_usd = 2 where scope = 'each_user'$$,
  'an admin changes a limit'
);
select lives_ok(
  $$insert into public.llm_limits (scope, scope_value, period, max_calls)
    values ('edge_function', 'chat', 'minute', 60)$$,
  'an admin adds a limit'
);
reset role;

select * from finish();
rollback;
