-- Tablets standing on a desk (kiosk mode), the alternative to scanning the desk's QR code. A staff
-- member creates a one-time enrolment code for one desk; the tablet that types it in receives a
-- long-lived cookie. Only hashes are kept: a leaked table neither enrols a tablet nor impersonates one.
create table kiosks (
    id integer primary key,
    desk_id integer not null references desks (id),
    label text not null,
    -- Until a tablet uses it: the enrolment code's hash and when it stops working.
    enrol_code_hash text unique,
    enrol_expires_at integer,
    -- Once enrolled: the hash of the token in the tablet's cookie.
    token_hash text unique,
    enrolled_by integer not null references users (id),
    enrolled_at integer,
    revoked_at integer,
    revoked_by integer references users (id),
    last_seen_at integer,
    created_at integer not null
);
create index kiosks_desk on kiosks (desk_id);

-- The tablet a rating came from (responses with channel 'kiosk'), so a revoked tablet's ratings
-- can be found and reviewed.
alter table responses add column kiosk_id integer references kiosks (id);
create index responses_kiosk on responses (kiosk_id);
