-- Reports kept as they were made: the province's monthly report, made on schedule, and any
-- report a province user chose to keep. Each row says when it was made, by whom (none: the
-- schedule) and from what data (the answers it counted, the newest response stored when it was
-- begun, the score run it shows), so a report filed last month downloads again unchanged.
create table kept_reports (
    id integer primary key,
    scope text not null,
    period text not null,
    made_by integer references users (id),
    responses integer not null,
    last_response_id integer not null,
    score_run_id integer,
    score_check text,
    sha256 text not null,
    pdf blob not null,
    created_at integer not null
);
-- The schedule makes each period's report once, however many instances run it.
create unique index kept_reports_scheduled on kept_reports (scope, period) where made_by is null;
