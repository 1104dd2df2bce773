-- Alerts: unfavourable answers reach the commune's leaders by e-mail (one at a time or in a
-- daily digest) and a province's webhook, through a queue in the database so a restart loses
-- none (see app/src/alerts and server/src/alerts).

-- A staff member's e-mail address (personal data: shown to its owner and the province admin,
-- never exported) and how they want alerts: each one at once, a daily digest, or none.
alter table users add column email text;
alter table users add column alert_mode text not null default 'each'
    check (alert_mode in ('each', 'digest', 'off'));

-- How far the scanner has read `responses`: every id up to `response_id` was looked at.
-- It starts at the newest response, so answers stored before alerts existed send nothing.
create table alert_cursor (
    name text primary key,
    response_id bigint not null,
    created_at bigint not null
);
insert into alert_cursor (name, response_id, created_at)
select 'responses', coalesce(max(id), 0), cast(extract(epoch from now()) * 1000 as bigint) from responses;

-- One row per unfavourable response the scanner queued alerts for, so scanners that look at
-- the same response twice (several processes, ids committed out of order) queue them once.
create table alert_sources (
    response_id bigint primary key references responses (id) on delete cascade,
    created_at bigint not null
);

-- The queue: one row per message to deliver (a mail, an entry of a daily digest, a webhook
-- call, or a complaint left unresolved too long, mailed to the province reviewer). The mail is written when it is sent, from the
-- response as it is then, so a comment deleted by retention is not kept here.
create table alerts (
    id bigint generated always as identity primary key,
    channel text not null check (channel in ('mail', 'digest', 'webhook', 'escalation')),
    response_id bigint not null references responses (id) on delete cascade,
    user_id bigint references users (id),
    recipient text not null,
    status text not null default 'queued' check (status in ('queued', 'sent', 'failed')),
    attempts bigint not null default 0,
    next_attempt_at bigint not null,
    last_error text,
    sent_at bigint,
    created_at bigint not null
);
create index alerts_due on alerts (next_attempt_at) where status = 'queued';
create index alerts_status on alerts (status, id);
-- A complaint is escalated to each reviewer once, whichever process notices it first.
create unique index alerts_escalation on alerts (response_id, user_id) where channel = 'escalation';

-- Every delivery attempt, for the province admin: when, to whom, and what came back.
create table alert_deliveries (
    id bigint generated always as identity primary key,
    alert_id bigint not null references alerts (id) on delete cascade,
    attempt bigint not null,
    outcome text not null check (outcome in ('sent', 'retry', 'failed')),
    detail text not null,
    created_at bigint not null
);
create index alert_deliveries_alert on alert_deliveries (alert_id);
