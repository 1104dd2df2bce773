-- Accounts: one role each; commune and district roles are tied to one unit.
create table users (
    id bigint generated always as identity primary key,
    username text not null unique,
    display_name text not null,
    password_hash text not null,
    role text not null check (role in ('province_admin', 'district_reviewer', 'commune_leader', 'commune_officer')),
    unit_id bigint references admin_units (id),
    active bigint not null default 1,
    created_at bigint not null
);

-- Sessions: only a hash of the cookie's token is stored, so a leaked table opens no session.
create table sessions (
    token_hash text primary key,
    user_id bigint not null references users (id) on delete cascade,
    csrf_token text not null,
    expires_at bigint not null,
    created_at bigint not null
);
create index sessions_user on sessions (user_id);

-- Failed sign-ins, to slow down password guessing (per user name and per client).
create table login_failures (
    id bigint generated always as identity primary key,
    username text not null,
    client_hash text not null,
    created_at bigint not null
);
create index login_failures_user on login_failures (username, created_at);

-- Append-only audit log: nothing updates or deletes its rows.
create table audit_log (
    id bigint generated always as identity primary key,
    actor_user_id bigint references users (id),
    actor text not null,
    action text not null,
    target text not null,
    detail text not null,
    created_at bigint not null
);
create index audit_log_time on audit_log (created_at);

-- Salts for hashing device ids and client addresses; one per day, deleted after two days so old
-- hashes can no longer be linked to an address by trying them all.
create table daily_salts (
    day text primary key,
    salt text not null,
    created_at bigint not null
);

-- Anti-abuse facts about each response: salted hashes (never raw addresses or user agents),
-- the reasons it was flagged, and the reviewer's decision to exclude it from scores.
alter table responses add column device_hash text;
alter table responses add column client_hash text;
alter table responses add column flags text;
alter table responses add column excluded bigint not null default 0;
alter table responses add column reviewed_by bigint references users (id);
create index responses_device on responses (device_hash, created_at);
create index responses_client on responses (client_hash, created_at);
-- At most one rating per dossier code per desk (NULL codes do not collide).
create unique index responses_desk_dossier on responses (desk_id, dossier_code);
-- Digest of a response's closed answers, to notice many identical answers in a short time.
alter table responses add column answer_digest text;
create index responses_desk_digest on responses (desk_id, answer_digest, created_at);
