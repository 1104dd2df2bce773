//! Synthetic responses generated inside the database, for load and benchmark data.

use crate::store::{Backend, Store, StoreError};

impl Store {
    /// Generates `total` synthetic responses inside the database (about 80% satisfied, spread
    /// over the current desks and the last `days` days, five rated answers each and a comment
    /// in one of twenty), then rebuilds the per-day counts. For load and benchmark data only:
    /// millions of rows in minutes, where the realistic simulation of `hailong demo` takes hours.
    /// Rows are marked channel `demo`. Returns how many responses exist afterwards.
    pub async fn generate_responses(&self, total: u64, days: u32) -> Result<i64, StoreError> {
        let run = crate::clock::now_ms();
        let span = i64::from(days.max(1)) * 86_400_000;
        let mut tx = self.pool.begin().await?;
        // The overall rating and the comment mark are drawn with the response and the answers
        // copy them, so `responses.overall` and `commented` agree with `answers` as they do for
        // real submissions.
        let statements: [&str; 3] = match self.backend {
            Backend::Postgres => [
                "insert into responses (idempotency_key, desk_id, survey_id, survey_version, lang, channel, created_at, \
                   overall, commented) \
                 select 'gen-' || $1 || '-' || g, ids[1 + (g % cardinality(ids))::int], 'one-stop-desk', 1, 'vi', 'demo', \
                   $1 - (floor(random() * $2))::bigint, \
                   case when random() < 0.8 then 4 + floor(random() * 2)::bigint else 1 + floor(random() * 3)::bigint end, \
                   case when random() < 0.05 then 1 else 0 end \
                 from generate_series(1, $3) g, \
                   (select array_agg(id order by id) as ids from desks where valid_to is null) d",
                "insert into answers (response_id, question_id, value_int, value_text) \
                 select r.id, q.q, case when q.q = 'overall' then r.overall \
                   when random() < 0.8 then 4 + floor(random() * 2)::bigint \
                   else 1 + floor(random() * 3)::bigint end, null \
                 from responses r cross join (values ('overall'), ('access'), ('procedures'), \
                   ('civil_servants'), ('results')) q(q) \
                 where r.idempotency_key like 'gen-' || $1 || '-%'",
                "insert into answers (response_id, question_id, value_int, value_text) \
                 select r.id, 'comment', null, 'Ý kiến thử nghiệm số ' || (r.id % 7) \
                 from responses r where r.idempotency_key like 'gen-' || $1 || '-%' and r.commented = 1",
            ],
            Backend::Sqlite => [
                "with recursive g(i) as (select 1 union all select i + 1 from g where i < $3), \
                   d as (select id, row_number() over (order by id) - 1 as k, count(*) over () as n \
                         from desks where valid_to is null) \
                 insert into responses (idempotency_key, desk_id, survey_id, survey_version, lang, channel, created_at, \
                   overall, commented) \
                 select 'gen-' || $1 || '-' || g.i, d.id, 'one-stop-desk', 1, 'vi', 'demo', \
                   $1 - abs(random() % $2), \
                   case when abs(random() % 100) < 80 then 4 + abs(random() % 2) else 1 + abs(random() % 3) end, \
                   case when abs(random() % 100) < 5 then 1 else 0 end \
                 from g join d on d.k = g.i % d.n",
                "insert into answers (response_id, question_id, value_int, value_text) \
                 select r.id, q.column1, case when q.column1 = 'overall' then r.overall \
                   when abs(random() % 100) < 80 then 4 + abs(random() % 2) \
                   else 1 + abs(random() % 3) end, null \
                 from responses r cross join (values ('overall'), ('access'), ('procedures'), \
                   ('civil_servants'), ('results')) q \
                 where r.idempotency_key like 'gen-' || $1 || '-%'",
                "insert into answers (response_id, question_id, value_int, value_text) \
                 select r.id, 'comment', null, 'Ý kiến thử nghiệm số ' || (r.id % 7) \
                 from responses r where r.idempotency_key like 'gen-' || $1 || '-%' and r.commented = 1",
            ],
        };
        for (i, sql) in statements.iter().enumerate() {
            let mut query = sqlx::query(sql).bind(run.to_string());
            if i == 0 {
                query = sqlx::query(sql)
                    .bind(run)
                    .bind(span)
                    .bind(i64::try_from(total).unwrap_or(i64::MAX));
            }
            query.execute(&mut *tx).await?;
        }
        // The counts are rebuilt from scratch, as the migration that introduced them does.
        sqlx::query("delete from daily_answers")
            .execute(&mut *tx)
            .await?;
        let day = self.local_day_sql("r.created_at");
        sqlx::query(&format!(
            "insert into daily_answers (desk_id, day, survey_id, question_id, level, answers) \
             select r.desk_id, {day}, r.survey_id, '', 0, count(*) from responses r \
             where r.excluded = 0 group by r.desk_id, {day}, r.survey_id"
        ))
        .execute(&mut *tx)
        .await?;
        sqlx::query(&format!(
            "insert into daily_answers (desk_id, day, survey_id, question_id, level, answers) \
             select r.desk_id, {day}, r.survey_id, a.question_id, a.value_int, count(*) \
             from answers a join responses r on r.id = a.response_id \
             where r.excluded = 0 and a.value_int between 1 and 5 \
             group by r.desk_id, {day}, r.survey_id, a.question_id, a.value_int"
        ))
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        // Millions of rows at once leave the planner's statistics behind until autovacuum
        // catches up: on PostgreSQL at 1M the province overview took 340 ms (p50) before an
        // `analyze` and 134 ms after (BENCHMARKS.md). Both databases take the plain statement.
        sqlx::query("analyze").execute(&self.pool).await?;
        self.count_responses().await
    }
}
