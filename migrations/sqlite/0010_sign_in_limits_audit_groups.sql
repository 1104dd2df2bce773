-- Sign-in limits (app/src/auth.rs): one row per (user name, client address) and one per client
-- address (user name ''), counting failed attempts. The address is a daily-salted hash, as for
-- survey responses, and rows are deleted with their day's salt. The table it replaces kept one
-- row per failure under an unsalted hash that gave the address back: its rows go with it.
drop table login_failures;
create table login_failures (
    username text not null,
    client_hash text not null,
    -- Attempts whose password was (or is being) checked and did not open a session.
    failures integer not null,
    -- Attempts refused without checking the password.
    refused integer not null,
    -- No password from this user name and address is checked before this time.
    next_at integer not null,
    -- Address rows count failures per window, starting here.
    window_start integer not null,
    last_at integer not null,
    created_at integer not null,
    primary key (username, client_hash)
);
create index login_failures_created on login_failures (created_at);

-- Anonymous events that repeat (failed sign-ins) are one row per user name, address and hour
-- that counts them (`repeats`, the latest at `last_at`), so guessing cannot grow the log without
-- bound. Rows are still never deleted; only a grouped row's count and time change.
alter table audit_log add column repeats integer not null default 1;
alter table audit_log add column last_at integer;
alter table audit_log add column repeat_key text;
create unique index audit_log_repeat on audit_log (repeat_key) where repeat_key is not null;

-- Filters of the audit page, which lists newest first. The commune filter matches targets of
-- several forms (see `AuditFilter`), which no index on `target` would serve.
create index audit_log_actor on audit_log (actor, id);
create index audit_log_action on audit_log (action, id);
