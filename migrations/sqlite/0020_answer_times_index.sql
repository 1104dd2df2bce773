-- The dashboard's hour × weekday map reads the time and overall rating of every counted
-- response of a commune's desks over its period (`Store::answer_times`). Through
-- `responses_desk_time` each of those rows was a lookup in the table: at 10M responses on SQLite
-- the dashboard's p95 rose to 108–118 ms (budget 100). This partial index holds every column the
-- query names, for the rows it counts, so it is read alone ("covering"): p95 68–69 ms
-- (BENCHMARKS.md, 2026-12-07).
create index if not exists responses_desk_time_counted on responses (desk_id, created_at, overall, excluded, held) where excluded = 0 and held = 0;
