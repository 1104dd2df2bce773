-- What became of an administrative unit: one row per predecessor → successor link, written by
-- `hailong units import` (the 2025 reform). Old units keep their rows, desks and responses, so
-- history stays attached to the unit of its time; only these links say which unit followed.
-- kind: 'merge' (the successor has several predecessors), 'split' (the predecessor has several
-- successors), 'rename' (one to one: new name, code or parent). effective_date is the
-- successor's first day, `YYYY-MM-DD`, and the predecessor's valid_to.
create table unit_history (
    id bigint generated always as identity primary key,
    predecessor_id bigint not null references admin_units (id),
    successor_id bigint not null references admin_units (id),
    kind text not null check (kind in ('merge', 'split', 'rename')),
    effective_date text not null,
    created_at bigint not null,
    unique (predecessor_id, successor_id),
    check (predecessor_id <> successor_id)
);
create index unit_history_successor on unit_history (successor_id);
