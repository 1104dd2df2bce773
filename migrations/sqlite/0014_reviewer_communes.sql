-- The province reviewer: a role without a unit that sees the communes the province admin
-- assigns it. SQLite cannot change a check constraint, so the users table is made again with the
-- new role allowed. Its rows go back under the same ids before the transaction ends, which the
-- deferred foreign keys of the tables pointing at users wait for; the sessions, which dropping
-- the table would delete with their users, are kept aside and put back.
pragma defer_foreign_keys = on;
create temporary table users_kept as select * from users;
create temporary table sessions_kept as select * from sessions;
drop table users;
create table users (
    id integer primary key,
    username text not null unique,
    display_name text not null,
    password_hash text not null,
    role text not null check (role in ('province_admin', 'district_reviewer', 'province_reviewer', 'commune_leader', 'commune_officer')),
    unit_id integer references admin_units (id),
    active integer not null default 1,
    created_at integer not null
);
insert into users (id, username, display_name, password_hash, role, unit_id, active, created_at)
select id, username, display_name, password_hash, role, unit_id, active, created_at from users_kept;
insert into sessions (token_hash, user_id, csrf_token, expires_at, created_at)
select token_hash, user_id, csrf_token, expires_at, created_at from sessions_kept;
drop table users_kept;
drop table sessions_kept;

-- The communes each province reviewer sees; without a row here it sees none.
create table reviewer_communes (
    user_id integer not null references users (id),
    unit_id integer not null references admin_units (id),
    assigned_by text not null,
    created_at integer not null,
    primary key (user_id, unit_id)
);
