-- Responses flagged by a stuffing rule wait for a reviewer before they count (app/src/flags.rs):
-- `held` is 1 until a reviewer accepts (held 0) or excludes (excluded 1) them. Held responses are
-- not in `daily_answers`.
alter table responses add column held integer not null default 0;
create index responses_held on responses (desk_id, created_at) where held = 1;

-- Per-day counts of flagged responses by desk, day (Vietnam), survey and kind: `counted` are in
-- the figures (flagged by a crowd rule, or accepted by a reviewer), `held` wait for a reviewer.
-- Kept in the same transactions as `daily_answers`, so every page can say how many flagged
-- answers its figures include without reading the responses.
create table daily_flags (
    desk_id integer not null references desks (id),
    day text not null,
    survey_id text not null,
    kind text not null check (kind in ('counted', 'held')),
    responses integer not null,
    primary key (desk_id, day, survey_id, kind)
);

insert into daily_flags (desk_id, day, survey_id, kind, responses)
select r.desk_id, date(r.created_at / 1000 + 25200, 'unixepoch'), r.survey_id, 'counted', count(*)
from responses r where r.excluded = 0 and r.flags is not null
group by r.desk_id, date(r.created_at / 1000 + 25200, 'unixepoch'), r.survey_id;

-- A dossier code rated twice at a desk is flagged for review rather than refused, so a code
-- rated ahead by someone else does not lock out the citizen who holds the dossier: the code
-- need not be unique any more.
drop index responses_desk_dossier;
create index responses_desk_dossier on responses (desk_id, dossier_code, created_at) where dossier_code is not null;

-- One row, written by the health check and the response writer to learn whether the database
-- takes writes (a full disk fails here before any answer is lost).
create table write_probes (
    id integer primary key check (id = 1),
    checked_at integer not null,
    created_at integer not null
);

-- How many flagged answers a commune's stored score includes, and how many were left waiting for
-- a reviewer, at the time of the run.
alter table score_results add column flagged_counted integer not null default 0;
alter table score_results add column flagged_held integer not null default 0;
