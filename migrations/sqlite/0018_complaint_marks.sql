-- A comment that comes with a satisfied rating, or with none, can still be a complaint: the
-- commune's staff mark it so, and from then on it is followed up like an unfavourable rating
-- (`app::domain::followup`). A mark is its own fact, kept once per response and never taken
-- back, so a commune cannot shorten its backlog by unmarking; `followups` keeps its state.
create table complaint_marks (
    response_id integer primary key references responses (id),
    marked_by integer not null references users (id),
    created_at integer not null
);
