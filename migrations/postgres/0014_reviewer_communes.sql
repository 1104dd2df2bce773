-- The province reviewer: a role without a unit that sees the communes the province admin
-- assigns it. (SQLite rebuilds the users table for the new role; here the check is replaced.)
alter table users drop constraint users_role_check;
alter table users add constraint users_role_check
    check (role in ('province_admin', 'district_reviewer', 'province_reviewer', 'commune_leader', 'commune_officer'));

-- The communes each province reviewer sees; without a row here it sees none.
create table reviewer_communes (
    user_id bigint not null references users (id),
    unit_id bigint not null references admin_units (id),
    assigned_by text not null,
    created_at bigint not null,
    primary key (user_id, unit_id)
);
