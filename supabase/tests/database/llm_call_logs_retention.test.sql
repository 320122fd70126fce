-- llm_call_logs partitions and retention: far dates land, partition creation moves rows out
-- of the default partition, retention removes exactly the months asked for.
begin;
select plan(17);

-- Far past and far future rows land in the default partition instead of failing.
set local role service_role;
select lives_ok(
  $$insert into public.llm_call_logs (request_id, created_at, method_type, model, status, request_messages)
    values ('far-past', '1990-01-01T00:00:00Z', 'chat_completion', 'm', 'completed', '[]'),
           ('far-future', '2100-06-01T00:00:00Z', 'chat_completion', 'm', 'completed', '[]')$$,
  'the service role inserts rows dated 1990 and 2100'
);
reset role;
select results_eq(
  $$select request_id, tableoid::regclass::text from public.llm_call_logs order by request_id$$,
  $$values ('far-future', 'llm_logs_partitions.llm_call_logs_default'),
           ('far-past', 'llm_logs_partitions.llm_call_logs_default')$$,
  'they are stored in the default partition'
);

-- Creating the 2100-06 partition moves its row out of the default partition.
select results_eq(
  $$select table_name, rows_moved::int from private.llm_call_logs_create_partition('2100-06-15')$$,
  $$values ('llm_call_logs_p2100_06', 1)$$,
  'creating a month''s partition moves that month''s rows out of the default partition'
);
select is(
  (select tableoid::regclass::text from public.llm_call_logs where request_id = 'far-future'),
  'llm_logs_partitions.llm_call_logs_p2100_06',
  'the row now lives in its month'
);
select ok(
  (select coalesce(relacl::text, '') !~ '(anon|authenticated|service_role)='
   from pg_class where oid = 'llm_logs_partitions.llm_call_logs_p2100_06'::regclass),
  'the new partition grants nothing to the API roles'
);
select is_empty(
  $$select * from private.llm_call_logs_create_partitions()$$,
  'creating partitions again creates nothing'
);

-- History: monthly partitions from 15 months ago, one row in each month up to 3 ahead.
select is(
  (select count(*)::int
   from generate_series(2, 15) as m,
     private.llm_call_logs_create_partition(now() - make_interval(months => m))),
  14,
  'partitions for past months can be created'
);
insert into public.llm_call_logs (request_id, created_at, method_type, model, status, request_messages)
select 'month' || m, date_trunc('month', now(), 'UTC') + make_interval(months => m, days => 14),
  'chat_completion', 'm', 'completed', '[]'
from generate_series(-15, 3) as m;

select results_eq(
  $$select action, table_name from private.llm_call_logs_apply_retention(12, 'drop', true)$$,
  $$select 'would drop', 'llm_call_logs_p' || to_char(date_trunc('month', now() at time zone 'UTC')
      - make_interval(months => m), 'YYYY_MM')
    from generate_series(15, 13, -1) as m
    union all select 'would drop default rows', 'llm_call_logs_default'$$,
  'a dry run lists the months older than the window'
);
select is((select count(*)::int from public.llm_call_logs), 21, 'a dry run removes nothing');

-- Keep 12 months: this month and the 12 before it stay, months -13 to -15 go.
select results_eq(
  $$select action, table_name, rows_affected::int from private.llm_call_logs_apply_retention(12, 'drop')$$,
  $$select 'dropped', 'llm_call_logs_p' || to_char(date_trunc('month', now() at time zone 'UTC')
      - make_interval(months => m), 'YYYY_MM'), null::int
    from generate_series(15, 13, -1) as m
    union all select 'deleted default rows', 'llm_call_logs_default', 1$$,
  'drop mode drops exactly the three months older than the window, and old default rows'
);
select results_eq(
  $$select request_id from public.llm_call_logs
    where request_id like 'month%' order by created_at limit 1$$,
  array['month-12'],
  'the oldest month left is 12 months ago'
);
select is((select count(*)::int from public.llm_call_logs), 21 - 4, 'the other rows are untouched');
select is(
  (select count(*)::int from pg_class
   where relname = 'llm_call_logs_p' || to_char(date_trunc('month', now() at time zone 'UTC')
     - interval '13 months', 'YYYY_MM')),
  0,
  'a dropped month''s table is gone'
);

-- Keep 6 months in archive mode: months -12 to -7 move to llm_logs_archive.
select results_eq(
  $$select action, count(*)::int from private.llm_call_logs_apply_retention(6, 'archive')
    group by action$$,
  $$values ('archived', 6)$$,
  'archive mode archives the six months older than the new window'
);
select is(
  (select count(*)::int from pg_class
   where relnamespace = 'llm_logs_archive'::regnamespace and relkind = 'r'),
  6,
  'the archived months are tables in llm_logs_archive'
);
select results_eq(
  $$select sum(row_count)::int from private.llm_call_logs_storage_report(true) where is_archived$$,
  array[6],
  'their rows are intact and the storage report counts them'
);

set local role authenticated;
set local request.jwt.claims = '{"sub":"00000000-0000-4000-8000-0000000ad814","role":"authenticated","app_metadata":{"role":"admin"}}';
select throws_ok(
  format('select * from llm_logs_archive.%I',
    'llm_call_logs_p' || to_char(date_trunc('month', now() at time zone 'UTC') - interval '12 months', 'YYYY_MM')),
  '42501', null,
  'even an admin cannot read an archived month through the API'
);
reset role;

select * from finish();
rollback;
