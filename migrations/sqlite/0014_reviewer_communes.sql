-- The communes each province reviewer sees, assigned by the province admin. A reviewer has no
-- unit of its own; without a row here it sees no commune.
create table reviewer_communes (
    user_id integer not null references users (id),
    unit_id integer not null references admin_units (id),
    assigned_by text not null,
    created_at integer not null,
    primary key (user_id, unit_id)
);
