-- Reports kept as they were made: the province's monthly report, made on schedule, and any
-- report a province user chose to keep. Each row says when it was made, by whom (none: the
-- schedule) and from what data (the answers it counted, the newest response stored when it was
-- begun, the score run it shows), so a report filed last month downloads again unchanged.
create table kept_reports (
    id bigint generated always as identity primary key,
    scope text not null,
    period text not null,
    made_by bigint references users (id),
    responses bigint not null,
    last_response_id bigint not null,
    score_run_id bigint,
    score_check text,
    sha256 text not null,
    pdf bytea not null,
    created_at bigint not null
);
-- The schedule makes each period's report once, however many instances run it.
create unique index kept_reports_scheduled on kept_reports (scope, period) where made_by is null;
